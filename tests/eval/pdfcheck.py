"""The checks of an evaluation set of PDF and Word (.docx) documents (pdfdev, fresh12): each set's
validate.py names its documents and counts and calls main(). What is checked is described in
those files' docstrings.

Needs pdfminer.six for the PDF checks (its absence is a problem: they are the point of the sets).
"""
import os
import re
import sys
import unicodedata
import xml.etree.ElementTree as ET
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import setcheck  # noqa: E402
from setcheck import check_turns, norm, read_jsonl, recorded_sha256, sha256  # noqa: E402

B = C = ''  # the set's folder and its corpus folder, and the set's own figures: set by main()
DOCS: dict = {}
PER_DOC: dict = {}
DIALOGUES: dict = {}
N_ANS = N_UNANS = (0, 0)
MAX_BYTES = 300_000
MAX_PAGES = 60
WORDS = (4, 12)

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


def main(base, docs, per_doc, dialogues, n_ans=(40, 40), n_unans=(10, 10)):
    """Checks the set in folder `base`: its corpus `docs` ({name: how it was made}), `per_doc`
    answerable questions per document, the `dialogues` counts; True when all is well."""
    global B, C, DOCS, PER_DOC, DIALOGUES, N_ANS, N_UNANS
    B, C, DOCS, PER_DOC, DIALOGUES, N_ANS, N_UNANS = (base, os.path.join(base, 'corpus'), docs, per_doc, dialogues,
                                                      n_ans, n_unans)
    problems.clear()
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


