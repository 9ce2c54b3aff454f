"""Validator for the pdfdev development set (modelled on tests/eval/fresh11/validate.py).

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
import json
import os
import re
import sys
import unicodedata
import xml.etree.ElementTree as ET
import zipfile

B = os.path.dirname(os.path.abspath(__file__))
C = os.path.join(B, 'corpus')
sys.path.insert(0, os.path.dirname(B))
import setcheck  # noqa: E402
from setcheck import check_turns, norm, read_jsonl, recorded_sha256, sha256  # noqa: E402

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
MAX_BYTES = 300_000
MAX_PAGES = 60
WORDS = (4, 12)
N_ANS, N_UNANS = (40, 40), (10, 10)
PER_DOC = {'libtasn1-manual.pdf': 13, 'ninja-manual.pdf': 14, 'clippy-readme.docx': 13}
DIALOGUES = dict(N_ANS=(6, 6), N_UNANS=(2, 2), TURNS=(2, 2), PER_DOC=(2, 2))

WNS = '{http://schemas.openxmlformats.org/wordprocessingml/2006/main}'
CODE_STYLES = {'SourceCode'}

problems = []


def bad(*a):
    problems.append(a)
    print('PROBLEM', *a)


def nfkc(t):
    return unicodedata.normalize('NFKC', t)


def joined(t):
    """Words hyphenated at a line end joined: 'man-\\nagement' -> 'management'."""
    return re.sub(r'(\w)-[ \t]*\n\s*(\w)', r'\1\2', t)


def readings(t):
    """The two whitespace-collapsed readings of a text: as extracted, and hyphenation joined."""
    t = nfkc(t)
    return norm(t), norm(joined(t))


def pdf_pages(path):
    from pdfminer.high_level import extract_text
    pages = extract_text(path).split('\f')
    while pages and not pages[-1].strip():
        pages.pop()
    return pages


def docx_xml(path, member='word/document.xml'):
    with zipfile.ZipFile(path) as z:
        return ET.fromstring(z.read(member))


def para_text(p):
    out = []
    for el in p.iter():
        if el.tag == WNS + 't':
            out.append(el.text or '')
        elif el.tag == WNS + 'tab':
            out.append('\t')
        elif el.tag in (WNS + 'br', WNS + 'cr'):
            out.append('\n')
    return ''.join(out)


def para_style(p):
    s = p.find(f'{WNS}pPr/{WNS}pStyle')
    return s.get(WNS + 'val') if s is not None else ''


def docx_units(path):
    """[(kind, style, text)]: each body paragraph, and each table cell (its paragraphs joined)."""
    body = docx_xml(path).find(WNS + 'body')
    out = []

    def walk(el):
        for ch in el:
            if ch.tag == WNS + 'p':
                out.append(('p', para_style(ch), para_text(ch)))
            elif ch.tag == WNS + 'tbl':
                for tc in ch.iter(WNS + 'tc'):
                    out.append(('cell', '', '\n'.join(para_text(p) for p in tc.iter(WNS + 'p'))))
            elif ch.tag == WNS + 'sdt':
                c = ch.find(WNS + 'sdtContent')
                if c is not None:
                    walk(c)
    walk(body)
    return out


def other_docx_texts(path):
    """{reader: collapsed text} from mammoth and python-docx, those that are installed."""
    out = {}
    try:
        import mammoth
    except ImportError:
        print('note: mammoth not installed, its cross-check skipped')
    else:
        with open(path, 'rb') as f:
            out['mammoth'] = readings(mammoth.extract_raw_text(f).value)[0]
    try:
        import docx
    except ImportError:
        print('note: python-docx not installed, its cross-check skipped')
    else:
        d = docx.Document(path)
        parts = [p.text for p in d.paragraphs]
        parts += [c.text for t in d.tables for r in t.rows for c in r.cells]
        out['python-docx'] = readings('\n'.join(parts))[0]
    return out


def check_corpus(recorded):
    names = sorted(os.listdir(C)) if os.path.isdir(C) else []
    if set(names) != set(DOCS):
        bad('unexpected corpus files', names)
    for n in names:
        if n not in DOCS:
            continue
        p = os.path.join(C, n)
        if os.path.getsize(p) > MAX_BYTES:
            bad('document larger than', MAX_BYTES, n, os.path.getsize(p))
        if recorded is None or recorded.get(n) != sha256(p):
            bad('changed since the set was made (sha256 differs from corpus.sha256)', n)
    for n, d in DOCS.items():
        src = d['source']
        if not os.path.exists(src):
            print('note: source not on this machine, source check skipped:', src)
            continue
        if d['made'] == 'copy':
            same, why = setcheck.same_bytes(os.path.join(C, n), src)
            if not same and recorded is not None and recorded.get(n) == sha256(os.path.join(C, n)):
                print('note: the source on this machine differs (another package version?); the copy is as recorded:', src)
            elif not same:
                bad('not a byte-for-byte copy', n, src, why)
            continue
        if sha256(src) != d['source_sha256']:
            print('note: the source on this machine differs from the one the set was made from (another version?):', src)
            continue
        if d['made'] == 'pages':
            try:
                lo, hi = d['pages']
                from pdfminer.high_level import extract_text
                want = extract_text(src, page_numbers=range(lo, hi))
                if readings(want)[0] != readings('\f'.join(pdf_pages(os.path.join(C, n))))[0]:
                    bad('the cut PDF does not read as pages', lo + 1, 'to', hi, 'of', src, n)
            except Exception as ex:  # noqa: BLE001 - a broken file is a problem, not a crash
                bad('cannot compare with source', n, repr(ex))
    print('corpus checks done')


def load_texts():
    """{doc: (units [(style, text)], whole-text readings, extra readers' texts)}"""
    docs = {}
    for n, d in DOCS.items():
        p = os.path.join(C, n)
        if not os.path.exists(p):
            continue
        try:
            if n.endswith('.pdf'):
                pages = pdf_pages(p)
                if len(pages) > MAX_PAGES:
                    bad('more than', MAX_PAGES, 'pages', n, len(pages))
                for pat in d.get('every_page', ()):
                    missing = [i + 1 for i, pg in enumerate(pages)
                               if not (pat.search(nfkc(pg)) if hasattr(pat, 'search') else pat in nfkc(pg))]
                    if missing:
                        bad('header/footer text missing on pages', n, missing[:5], getattr(pat, 'pattern', pat))
                run = [re.compile(r) for r in d.get('running', ())]
                units = [('', '\n'.join(ln for ln in nfkc(pg).split('\n')
                                         if not any(r.fullmatch(ln.strip()) for r in run)))
                         for pg in pages]
                whole = '\f'.join(pages)
                extra = {}
                print(n, 'pages', len(pages))
            else:
                us = docx_units(p)
                styles = {para_style(x) for x in docx_xml(p).iter(WNS + 'p')}
                if not any(s.startswith('Heading') for s in styles):
                    bad('no Word heading style in', n)
                ntables = sum(1 for _ in docx_xml(p).iter(WNS + 'tbl'))
                if 'tables' in d and ntables != d['tables']:
                    bad('tables in', n, ntables, 'expected', d['tables'])
                units = [(s, t) for _, s, t in us]
                whole = '\n'.join(t for _, t in units)
                extra = other_docx_texts(p)
                print(n, 'units', len(units), 'tables', ntables)
            if len(norm(whole)) < 5000:
                bad('too little text extracted from', n, len(norm(whole)))
            docs[n] = ([(s, readings(t)) for s, t in units], readings(whole), extra)
        except ImportError as ex:
            bad('cannot extract text (install pdfminer.six):', n, repr(ex))
        except Exception as ex:  # noqa: BLE001 - a broken file is a problem, not a crash
            bad('cannot extract text from', n, repr(ex))
    return docs


def check_expected(where, e, docs, per_doc):
    probs = []
    nw = len(e.split())
    if not WORDS[0] <= nw <= WORDS[1]:
        probs.append(f'{nw} words')
    if e != norm(e):
        probs.append('not single-spaced or has leading/trailing space')
    if nfkc(e) != e:
        probs.append('not in NFKC form')
    homes = []
    for r in (0, 1):
        hits = {n: v[1][r].count(e) for n, v in docs.items() if e in v[1][r]}
        if sum(hits.values()) != 1:
            probs.append(f'reading {r}: occurrences {hits}')
        homes.append(sorted(hits))
    if not probs and homes[0] == homes[1]:
        n = homes[0][0]
        units, _, extra = docs[n]
        inunit = [s for s, rd in units if e in rd[0] and e in rd[1]]
        if not inunit:
            probs.append('not within one unit (page / paragraph / cell)')
        elif any(s in CODE_STYLES for s in inunit):
            probs.append('in a code block')
        for reader, t in extra.items():
            if e not in t:
                probs.append(f'not in {reader} text')
        if not probs:
            per_doc[n] += 1
    elif not probs:
        probs.append(f'readings disagree {homes}')
    if probs:
        bad(*where, probs, e)


def main():
    recorded = recorded_sha256(B)
    check_corpus(recorded)
    docs = load_texts()
    if len(docs) != len(DOCS):
        bad('documents read', sorted(docs))

    per_doc = {n: 0 for n in DOCS}
    na = nu = 0
    seen = set()
    for i, d in read_jsonl(os.path.join(B, 'questions.jsonl'), bad, 'LINE'):
        if not isinstance(d, dict) or set(d) != {'question', 'expected'}:
            bad('LINE', i, 'not an object with keys question/expected')
            continue
        q, e = d['question'], d['expected']
        if not isinstance(q, str) or not q.strip():
            bad('LINE', i, 'empty question')
        elif q.lower() in seen:
            bad('LINE', i, 'duplicate question')
        else:
            seen.add(q.lower())
        if e is None:
            nu += 1
            continue
        if not isinstance(e, str):
            bad('LINE', i, 'expected not str|null')
            continue
        na += 1
        check_expected(('LINE', i), e, docs, per_doc)
    print('answerable per document:', per_doc)
    print('answerable', na, 'unanswerable', nu)
    if not setcheck.in_range(na, N_ANS):
        bad('answerable count out of range', na, N_ANS)
    if not setcheck.in_range(nu, N_UNANS):
        bad('unanswerable count out of range', nu, N_UNANS)
    for n, c in per_doc.items():
        if c != PER_DOC[n]:
            bad('answerable questions for', n, c, 'expected', PER_DOC[n])

    dper = {n: 0 for n in DOCS}
    da = du = 0
    seen = set()
    for i, d in read_jsonl(os.path.join(B, 'dialogues.jsonl'), bad, 'dialogues LINE'):
        if not isinstance(d, dict) or set(d) != {'turns', 'expected'}:
            bad('dialogues LINE', i, 'not an object with keys turns/expected')
            continue
        t, e = d['turns'], d['expected']
        if not check_turns(t, DIALOGUES['TURNS']):
            bad('dialogues LINE', i, 'turns must be %d-%d non-empty strings' % DIALOGUES['TURNS'])
        else:
            key = tuple(x.lower() for x in t)
            if key in seen:
                bad('dialogues LINE', i, 'duplicate dialogue')
            seen.add(key)
        if e is None:
            du += 1
            continue
        if not isinstance(e, str):
            bad('dialogues LINE', i, 'expected not str|null')
            continue
        da += 1
        check_expected(('dialogues LINE', i), e, docs, dper)
    print('dialogues: answerable per document:', dper)
    print('dialogues: answerable', da, 'unanswerable', du)
    if not setcheck.in_range(da, DIALOGUES['N_ANS']):
        bad('answerable dialogues out of range', da, DIALOGUES['N_ANS'])
    if not setcheck.in_range(du, DIALOGUES['N_UNANS']):
        bad('unanswerable dialogues out of range', du, DIALOGUES['N_UNANS'])
    for n, c in dper.items():
        if not setcheck.in_range(c, DIALOGUES['PER_DOC']):
            bad('answerable dialogues for', n, c, 'not in', DIALOGUES['PER_DOC'])

    print('OK' if not problems else 'PROBLEMS')
    return not problems


if __name__ == '__main__':
    sys.exit(0 if main() else 1)
