"""Validator for the pdfdev development set (modelled on tests/eval/fresh11/validate.py): this set's
documents and counts; the checks, shared with tests/eval/fresh12, live in tests/eval/pdfcheck.py.

A DEVELOPMENT set, not a blind one: its misses may be read and its results recorded freely.
The first set made of PDF and Word documents: two PDFs (a real pdfTeX manual cut to its first
26 pages with pypdf, and an HTML manual printed by headless Chromium with its date/title header
and URL/page-number footer) and one .docx (a Markdown README converted by pandoc).

setcheck.py's check() reads corpus files as UTF-8 text, so it cannot serve binary documents;
this validator does the same checks itself, with setcheck's helpers (norm, sha256,
recorded_sha256, same_bytes, read_jsonl, check_turns):

* corpus: exactly the files below, each at most 300,000 bytes, PDFs at most 60 pages, unchanged
  since the set was made (corpus.sha256); where the source is on this machine, the cut PDF's
  26 pages extract to the same text as the source's first 26 pages, and a source whose sha256
  is not the one the set was made from is noted (another package version); a missing source
  is noted and skips only its own check. The .docx has Word heading styles and its one table,
  and the Chromium PDF carries its footer URL and "n/27" page number on every page.
* text extraction, as the set's rule for `expected`: PDF with pdfminer.six
  (pdfminer.high_level.extract_text; pages split at form feeds), DOCX with the standard library
  (word/document.xml: every paragraph, and every table cell as one unit) and, when they are
  installed, cross-checked with mammoth (extract_raw_text) and python-docx (paragraphs and
  table cells). Text is NFKC-normalised (ligatures such as U+FB01 become "fi") and whitespace
  runs collapsed; a second reading also joins words hyphenated at a line end ("man-\\nagement").
* questions.jsonl: keys question/expected, no duplicate question; 40 answerable and 10 with
  expected null; per document 13 (libtasn1), 14 (ninja), 13 (clippy) answerable.
* dialogues.jsonl: keys turns/expected, exactly 2 non-empty turns, no duplicate dialogue; 6
  answerable and 2 with expected null; 2 answerable per document.
* every non-null `expected`: 4-12 words, single-spaced, no leading/trailing space, already in
  NFKC form; it occurs exactly once in the whole extracted corpus, in one document, in both
  readings (so it never spans a word hyphenated at a line end), within one unit (a PDF page
  with its running header/footer lines taken out, so never across one; a DOCX paragraph or
  table cell), and not in a DOCX code block (pandoc's "Source Code" style);
  for the DOCX also in mammoth's and python-docx's text when those are installed.

Needs pdfminer.six (its absence is a problem: the PDF checks are the point of the set).
Prints OK or PROBLEMS as its last line and exits non-zero on PROBLEMS.
"""
import os
import re
import sys

B = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(B))
import pdfcheck  # noqa: E402  (the checks, shared with the other PDF/.docx set)

RUSTDOC = '/root/.rustup/toolchains/stable-x86_64-unknown-linux-gnu/share/doc'
# corpus file -> how it was made from its source on the dev machine
#   copy: byte-for-byte copy; pages: the source PDF's pages [lo, hi) written with pypdf;
#   render: converted (Chromium print / pandoc), so only the source's sha256 is compared
DOCS = {
    'libtasn1-manual.pdf': dict(
        made='pages', pages=(0, 26), source='/usr/share/doc/libtasn1-doc/libtasn1.pdf',
        running=(r'Chapter \d+: .*', r'\d+', r'i'),
        source_sha256='3917eb460d87e275f9792b3597029873fd77890ed3ccebe40bbc5a3a7ee516d3'),
    'ninja-manual.pdf': dict(
        made='render', source='/usr/share/doc/ninja-build/manual.html',
        source_sha256='b1a2f010c30cfe7da72773b5e510eef3668a02f862e678462262780b3326f004',
        every_page=('file:///usr/share/doc/ninja-build/manual.html', re.compile(r'\b\d{1,2}/27\b')),
        running=(r'\d{1,2}/\d{1,2}/\d{2}, \d{1,2}:\d{2} [AP]M', r'The Ninja build system',
                 r'file:///usr/share/doc/ninja-build/manual\.html', r'\d{1,2}/27')),
    'clippy-readme.docx': dict(
        made='render', source=RUSTDOC + '/clippy/README.md', tables=1,
        source_sha256='bb0e2952ccbaab4376308b33f12ef083c83448feca3a5530bdd111ee0d625e9b'),
}
PER_DOC = {'libtasn1-manual.pdf': 13, 'ninja-manual.pdf': 14, 'clippy-readme.docx': 13}
DIALOGUES = dict(N_ANS=(6, 6), N_UNANS=(2, 2), TURNS=(2, 2), PER_DOC=(2, 2))


if __name__ == '__main__':
    sys.exit(0 if pdfcheck.main(B, DOCS, PER_DOC, DIALOGUES) else 1)
