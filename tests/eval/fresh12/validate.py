"""Validator for the fresh12 blind set (modelled on tests/eval/fresh11/validate.py): this set's
documents and counts; the checks, shared with tests/eval/pdfdev, live in tests/eval/pdfcheck.py.

Blind: the qa team reads only the README and summary figures of this set, never its questions.
Its corpus: two PDFs (a real DocBook-built specification copied byte for byte, and a texinfo HTML
manual printed by headless Chromium without header/footer) and two .docx files converted by
pandoc (one from Markdown, one from DocBook HTML; both with Word tables).

setcheck.py's check() reads corpus files as UTF-8 text, so it cannot serve binary documents;
this validator does the same checks itself, with setcheck's helpers (norm, sha256,
recorded_sha256, same_bytes, read_jsonl, check_turns):

* corpus: exactly the files below, each at most 300,000 bytes, PDFs at most 60 pages, unchanged
  since the set was made (corpus.sha256); the copied PDF is compared byte for byte with its
  source (setcheck.same_bytes; a differing source is only noted when the copy is as recorded),
  and a converted document's source whose sha256 is not the one the set was made from is noted
  (another package version); a missing source is noted and skips only its own check. Each .docx
  has Word heading styles and its tables.
* text extraction, as the set's rule for `expected`: PDF with pdfminer.six
  (pdfminer.high_level.extract_text; pages split at form feeds), DOCX with the standard library
  (word/document.xml: every paragraph, and every table cell as one unit) and, when they are
  installed, cross-checked with mammoth (extract_raw_text) and python-docx (paragraphs and
  table cells). Text is NFKC-normalised (ligatures such as U+FB01 become "fi") and whitespace
  runs collapsed; a second reading also joins words hyphenated at a line end ("man-\\nagement").
* questions.jsonl: keys question/expected, no duplicate question; 40 answerable and 10 with
  expected null; 10 answerable per document.
* dialogues.jsonl: keys turns/expected, exactly 2 non-empty turns, no duplicate dialogue; 6
  answerable and 2 with expected null; 1-2 answerable per document.
* every non-null `expected`: 4-12 words, single-spaced, no leading/trailing space, already in
  NFKC form; it occurs exactly once in the whole extracted corpus, in one document, in both
  readings (so it never spans a word hyphenated at a line end), within one unit (a PDF page
  with its running header/footer lines taken out, so never across one; a DOCX paragraph or
  table cell), and not in a DOCX code block (pandoc's "Source Code" style); for a DOCX also in
  mammoth's and python-docx's text when those are installed.

Needs pdfminer.six (its absence is a problem: the PDF checks are the point of the set).
Prints OK or PROBLEMS as its last line and exits non-zero on PROBLEMS; a problem line quotes
the `expected` text, so read only the last line when the set is to stay blind.
"""
import os
import sys

B = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(B))
import pdfcheck  # noqa: E402  (the checks, shared with the other PDF/.docx set)

PYENV = '/root/.pyenv'
# corpus file -> how it was made from its source on the dev machine
#   copy: byte-for-byte copy; render: converted (Chromium print / pandoc), so only the source's
#   sha256 is compared
DOCS = {
    'shared-mime-info-spec.pdf': dict(
        made='copy', source='/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf',
        running=(r'Shared MIME-info Database', r'\d+')),
    'gnu-time-manual.pdf': dict(
        made='render', source='/usr/share/doc/time/time.html',
        source_sha256='e90753640f8ca23c9ca57c1cda5dee2b3a6520e78ddefae48dabf484c615f026'),
    'pyenv-readme.docx': dict(
        made='render', source=PYENV + '/README.md', tables=1,
        source_sha256='fa23cc674e1b76154bae3da64851c7a60711beaf66a29231d3914855f7bca1c5'),
    'xtrans.docx': dict(
        made='render', source='/usr/share/doc/xtrans-dev/xtrans.html', tables=5,
        source_sha256='252df95bddd7d5591505d818c03172c45e773bbd4ccf7778c25ed2848bc68254'),
}
PER_DOC = {n: 10 for n in DOCS}
DIALOGUES = dict(N_ANS=(6, 6), N_UNANS=(2, 2), TURNS=(2, 2), PER_DOC=(1, 2))


if __name__ == '__main__':
    sys.exit(0 if pdfcheck.main(B, DOCS, PER_DOC, DIALOGUES) else 1)
