"""The checks every eval set's validate.py runs, given that set's sources and limits.

Default checks (fresh4 and later): corpus formats and size, every corpus file unchanged since the
set was made (its sha256 in the set's corpus.sha256, when it has one), byte-for-byte copies of
the real documents (cmp against the source; .gz sources are gunzipped into a temporary folder
first; a source missing from this machine skips only its own comparison, and one that differs,
another package version, is only noted when the copy matches its recorded sha256), the hand-built FAQ file
(keys id/question/answer, 10-16 rows, answers verbatim from their source, with
WHOLE_PARAGRAPHS each a whole paragraph of it, and not taken from any corpus document), and
every line of questions.jsonl (keys, counts, 4-15 words, exactly one occurrence in exactly one
corpus file, within a single source line, no markup characters, visible text only for HTML and
identical in the raw HTML, within one answer field for the FAQ file). Prints OK or PROBLEMS.

The keyword-only options of check() let the older sets keep their own rules (each default
keeps the checks above): other size limits or none, other file-type minimums, other FAQ row
counts, answers compared after collapsing whitespace, a .csv FAQ file, no FAQ file, a FAQ whose answers are copied from the corpus
documents, FAQ fields that must be strings, the FAQ file's raw count, other markup characters,
no leading/trailing space in `expected`, unique `expected`s, another per-file minimum, and
dialogues.jsonl; and a set's own further checks.
"""
import csv
import glob
import gzip
import html
import json
import os
import re
import shutil
import subprocess
import tempfile

MARKUP = set('`*_{}<>&[]')
FAQ_KEYS = ['id', 'question', 'answer']


def norm(s):
    return ' '.join(s.split())


def visible(t):
    """HTML with head/style/script, comments and tags each replaced by a NUL separator."""
    t = re.sub(r'(?is)<(style|script|head)\b.*?</\1>', '\x00', t)
    t = re.sub(r'(?s)<!--.*?-->', '\x00', t)
    return re.sub(r'<[^>]*>', '\x00', t)


def doc_norm(n, t):
    """A document's text as FAQ answers are compared with it: HTML tags dropped and entities
    unescaped, Markdown backticks dropped, whitespace runs collapsed."""
    if n.endswith('.html'):
        t = html.unescape(re.sub(r'<[^>]*>', '', re.sub(r'(?is)<(style|script|head)\b.*?</\1>', ' ', t)))
    return norm(t.replace('`', '') if n.endswith('.md') else t)


def in_range(x, r):
    """r is (low, high); either may be None for no bound."""
    lo, hi = r
    return (lo is None or x >= lo) and (hi is None or x <= hi)


def same_bytes(path, ref):
    """Byte-for-byte equality, with cmp(1) when it is installed, else in Python."""
    if shutil.which('cmp'):
        r = subprocess.run(['cmp', path, ref], capture_output=True, text=True, check=False)
        return r.returncode == 0, r.stdout.strip()
    if not os.path.exists(path):
        return False, 'missing'
    with open(path, 'rb') as a, open(ref, 'rb') as b:
        return a.read() == b.read(), ''


def sha256(path):
    import hashlib
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def recorded_sha256(B):
    """name -> sha256 from the set's corpus.sha256 (`sha256sum` format), or None when it has none."""
    path = os.path.join(B, 'corpus.sha256')
    if not os.path.exists(path):
        return None
    out = {}
    with open(path, encoding='utf-8') as f:
        for line in f:
            if line.strip():
                digest, n = line.split(None, 1)
                out[n.strip().lstrip('*')] = digest
    return out


def read_jsonl(path, bad, label):
    """[(line number, parsed object)]; a line that is not JSON is reported, not returned."""
    out = []
    with open(path, encoding='utf-8') as f:
        for i, line in enumerate(f, 1):
            try:
                out.append((i, json.loads(line)))
            except ValueError as ex:
                bad(label, i, 'bad json', ex)
    return out


def check_turns(turns, n_turns):
    """A dialogue's turns: a list of n_turns[0]-n_turns[1] non-empty strings."""
    return (isinstance(turns, list) and in_range(len(turns), n_turns)
            and all(isinstance(x, str) and x.strip() for x in turns))


def check(B, SOURCES, FAQ_FILE, FAQ_SOURCE, N_ANS, N_UNANS=(15, 20), WHOLE_PARAGRAPHS=False, *,
          FILE_SIZE=(5_000, 25_000), TOTAL_SIZE=(40_000, 80_000),
          NEED_EXTS=(('.md', 1), ('.txt', 1), ('.html', 1)),
          FAQ_ROWS=(10, 16), FAQ_COLLAPSE=False, FAQ_IN_CORPUS=False, FAQ_STR_FIELDS=False,
          FAQ_RAW_COUNT=False,
          MARKUP=MARKUP, STRIP_EXPECTED=False, UNIQUE_EXPECTED=False, MIN_PER_DOC=5,
          DIALOGUES=None, EXTRA=None):
    """Validate the set in folder B; print each problem, then OK or PROBLEMS; return True if OK.

    SOURCES: corpus file -> (source path on the dev machine, gzipped?), or None for a file
    with no recorded source (no byte check). FAQ_FILE: the .jsonl or .csv FAQ file in the
    corpus, or None for a set without one. FAQ_SOURCE: the gzipped file FAQ answers are
    verbatim from, or None. N_ANS, N_UNANS, FILE_SIZE, TOTAL_SIZE, FAQ_ROWS: (low, high)
    ranges, either bound None for none; FILE_SIZE, TOTAL_SIZE, FAQ_ROWS may be None for no check.
    NEED_EXTS: (extension, minimum number of corpus files) pairs.
    FAQ_COLLAPSE: an answer is compared with its source and the documents after collapsing
    its whitespace runs (instead of having to be written collapsed).
    FAQ_IN_CORPUS: the FAQ answers are copied from the corpus documents: each must occur in one
    (instead of in none), and an `expected` is looked for in the documents only.
    FAQ_STR_FIELDS: a FAQ question or answer that is not a string is a problem.
    FAQ_RAW_COUNT: an `expected` in the FAQ file must occur as often in its raw text as in its
    answers. STRIP_EXPECTED: an `expected` with leading or trailing whitespace is a problem.
    MARKUP: the characters an `expected` must not contain, or a dict extension -> characters
    an `expected` found in a file with that extension must not contain.
    UNIQUE_EXPECTED: two questions with the same `expected` are a problem.
    MIN_PER_DOC: the fewest answerable questions each corpus file must have.
    DIALOGUES: None, or dict(N_ANS=range, N_UNANS=range, TURNS=range) to check
    dialogues.jsonl too (keys turns/expected, no two dialogues alike; each `expected` as for questions).
    EXTRA: None, or a function the set's own further checks are in, called with bad (which
    reports a problem) before the verdict.
    """
    name = os.path.basename(B)
    C = os.path.join(B, 'corpus')

    problems = []
    def bad(*a):
        problems.append(a)
        print('PROBLEM', *a)

    # ---- corpus ---------------------------------------------------------------
    paths = sorted(glob.glob(C + '/*'))
    names = [os.path.basename(p) for p in paths]
    if set(names) != set(SOURCES) | ({FAQ_FILE} if FAQ_FILE else set()):
        bad('unexpected corpus files', names)
    exts = [os.path.splitext(n)[1] for n in names]
    for need, k in NEED_EXTS:
        if k == 1 and need not in exts: bad('no', need, 'file')
        elif exts.count(need) < k: bad('fewer than', k, need, 'files')
    if FAQ_FILE and not set(exts) & {'.csv', '.jsonl'}: bad('no FAQ .csv/.jsonl file')
    total = 0
    for p in paths:
        sz = os.path.getsize(p); total += sz
        if FILE_SIZE and not in_range(sz, FILE_SIZE): bad('document size', os.path.basename(p), sz)
    if TOTAL_SIZE and not in_range(total, TOTAL_SIZE): bad('corpus size', total)
    recorded = recorded_sha256(B)  # the corpus as it was when the set was made and checked against its sources
    for n in names:
        if recorded is not None and recorded.get(n) != sha256(os.path.join(C, n)):
            bad('changed since the set was made (sha256 differs from corpus.sha256)', n)
    tmpdir = tempfile.mkdtemp(prefix=name + '-validate-')
    for n, source in SOURCES.items():
        if source is None: continue
        src, gz = source
        if not os.path.exists(src):
            print('note: source not on this machine, byte check skipped:', src); continue
        ref = src
        if gz:
            ref = os.path.join(tmpdir, n + '.src')
            with gzip.open(src) as fi, open(ref, 'wb') as fo:
                shutil.copyfileobj(fi, fo)
        same, why = same_bytes(os.path.join(C, n), ref)
        if not same and recorded is not None and recorded.get(n) == sha256(os.path.join(C, n)):
            print('note: the source on this machine differs (another package version?); the copy is as recorded:', src)
        elif not same:
            bad('not a byte-for-byte copy', n, src, why)
    shutil.rmtree(tmpdir, ignore_errors=True)
    print('byte checks done')

    raw = {}
    for n in names:
        with open(os.path.join(C, n), encoding='utf-8') as f:
            raw[n] = f.read()
    docs_norm = {n: doc_norm(n, t) for n, t in raw.items() if n != FAQ_FILE}

    # ---- FAQ file ---------------------------------------------------------------
    faq = []
    if FAQ_FILE:
        faq_path = os.path.join(C, FAQ_FILE)
        if FAQ_FILE.endswith('.csv'):
            with open(faq_path, encoding='utf-8', newline='') as f:
                faq = list(csv.DictReader(f))
        else:
            faq = [r for _, r in read_jsonl(faq_path, bad, 'faq line')]
        if not faq or any(not isinstance(r, dict) or list(r.keys()) != FAQ_KEYS for r in faq):
            bad('faq columns')
            faq = [r for r in faq if isinstance(r, dict)]
        if len({r.get('id') for r in faq}) != len(faq): bad('faq duplicate ids')
        if FAQ_ROWS and not in_range(len(faq), FAQ_ROWS): bad('faq rows', len(faq))
        src_text = src_paras = None
        if FAQ_SOURCE and os.path.exists(FAQ_SOURCE):
            with gzip.open(FAQ_SOURCE) as f:
                _src = f.read().decode('utf-8')
            src_text = norm(_src)
            if WHOLE_PARAGRAPHS:
                src_paras = {norm(x) for x in re.split(r'\n[ \t]*\n', _src) if x.strip()}
        for r in faq:
            q, a = r.get('question', ''), r.get('answer', '')
            if FAQ_STR_FIELDS and not (isinstance(q, str) and isinstance(a, str)):
                bad('faq field not a string', r.get('id')); continue
            if not str(q).strip() or not a.strip(): bad('empty faq field', r)
            if '\n' in a: bad('faq answer spans lines', r.get('id'))
            if FAQ_COLLAPSE: a = norm(a)
            elif a != norm(a): bad('faq answer whitespace not normalised', r.get('id'))
            if src_text is not None and a not in src_text: bad('faq answer not verbatim in', FAQ_SOURCE, r.get('id'))
            if src_paras is not None and a not in src_paras: bad('faq answer is not a whole paragraph of', FAQ_SOURCE, r.get('id'))
            dup = [n for n, t in docs_norm.items() if a in t]
            if FAQ_IN_CORPUS:
                if not dup: bad('faq answer not in any corpus doc', r.get('id'))
            elif dup: bad('faq answer also in corpus doc', r.get('id'), dup)
        print('faq rows', len(faq), 'source check', 'done' if src_text is not None else 'skipped')
    answers = [r.get('answer') if isinstance(r.get('answer'), str) else '' for r in faq]
    faq_questions = [str(r.get('question', '')) for r in faq]

    # searchable text per file; units = the pieces an expected span must lie within
    searched = [n for n in names if not (FAQ_IN_CORPUS and n == FAQ_FILE)]
    raw = {n: raw[n] for n in searched}
    text, units = {}, {}
    for n, t in raw.items():
        if n.endswith('.html'):
            v = visible(t); text[n] = v
            units[n] = [l for seg in v.split('\x00') for l in seg.split('\n')]
        elif n == FAQ_FILE:
            text[n] = '\n'.join(answers) + '\n' + '\n'.join(faq_questions)
            units[n] = answers
        else:
            text[n] = t; units[n] = t.split('\n')

    def check_expected(where, e, per_doc):
        """Report the problems of one non-null `expected`; count it for its document if none."""
        probs = []
        nw = len(e.split())
        if not 4 <= nw <= 15: probs.append(f'{nw} words')
        if '\n' in e: probs.append('newline')
        if STRIP_EXPECTED and e != e.strip(): probs.append('leading/trailing space')
        hits = {n: t.count(e) for n, t in text.items() if e in t}
        if isinstance(MARKUP, dict):   # extension -> characters banned where the span is found
            banned = set().union(*(MARKUP.get(os.path.splitext(n)[1], '') for n in hits))
        else:
            banned = set(MARKUP)
        if banned & set(e): probs.append('markup char ' + ''.join(sorted(banned & set(e))))
        rawhits = {n: t.count(e) for n, t in raw.items() if e in t}
        if len(hits) != 1: probs.append(f'in files {sorted(hits)}')
        else:
            (n, c), = hits.items()
            if n == FAQ_FILE:
                c = sum(a.count(e) for a in units[n])
                if any(e in q for q in faq_questions): probs.append('also in a faq question')
            if c != 1: probs.append(f'{c} occurrences in {n}')
            if not any(e in u for u in units[n]): probs.append('not within one source line / segment')
            if n not in rawhits: probs.append('not in raw file')
            elif (n != FAQ_FILE or FAQ_RAW_COUNT) and rawhits[n] != c: probs.append(f'raw count {rawhits[n]}')
            if not probs: per_doc[n] += 1
        others = {m for m in rawhits if m not in hits}
        if others: probs.append(f'also in raw {sorted(others)}')
        if probs: bad(*where, probs, e)

    # ---- questions ------------------------------------------------------------------
    per_doc = {n: 0 for n in searched}
    na = nu = 0
    seen, seen_e = set(), set()
    for i, d in read_jsonl(os.path.join(B, 'questions.jsonl'), bad, 'LINE'):
        if not isinstance(d, dict): bad('LINE', i, 'not an object'); continue
        if set(d) != {'question', 'expected'}: bad('LINE', i, 'keys', sorted(d))
        q, e = d.get('question'), d.get('expected')
        if not isinstance(q, str) or not q.strip(): bad('LINE', i, 'empty question')
        elif q.lower() in seen: bad('LINE', i, 'duplicate question')
        else: seen.add(q.lower())
        if e is None:
            nu += 1; continue
        if not isinstance(e, str): bad('LINE', i, 'expected not str|null'); continue
        if UNIQUE_EXPECTED:
            if e in seen_e: bad('LINE', i, 'duplicate expected')
            seen_e.add(e)
        na += 1
        check_expected(('LINE', i), e, per_doc)

    print('answerable per document:', per_doc)
    print('answerable', na, 'unanswerable', nu)
    if not in_range(na, N_ANS): bad('answerable count out of range', na, N_ANS)
    if not in_range(nu, N_UNANS): bad('unanswerable count out of range', nu, N_UNANS)
    for n, c in per_doc.items():
        if c < MIN_PER_DOC: bad('too few answerable questions for', n, c)

    # ---- dialogues ------------------------------------------------------------------
    if DIALOGUES is not None:
        dper = {n: 0 for n in searched}
        da = du = 0
        seen = set()
        for i, d in read_jsonl(os.path.join(B, 'dialogues.jsonl'), bad, 'dialogues LINE'):
            if not isinstance(d, dict): bad('dialogues LINE', i, 'not an object'); continue
            if set(d) != {'turns', 'expected'}: bad('dialogues LINE', i, 'keys', sorted(d))
            t, e = d.get('turns'), d.get('expected')
            if not check_turns(t, DIALOGUES['TURNS']):
                lo, hi = DIALOGUES['TURNS']
                bad('dialogues LINE', i, f'turns must be {lo}-{hi} non-empty strings')
            else:
                key = tuple(x.lower() for x in t)
                if key in seen: bad('dialogues LINE', i, 'duplicate dialogue')
                seen.add(key)
            if e is None:
                du += 1; continue
            if not isinstance(e, str): bad('dialogues LINE', i, 'expected not str|null'); continue
            da += 1
            check_expected(('dialogues LINE', i), e, dper)
        print('dialogues: answerable per document:', dper)
        print('dialogues: answerable', da, 'unanswerable', du)
        if not in_range(da, DIALOGUES['N_ANS']): bad('answerable dialogues out of range', da, DIALOGUES['N_ANS'])
        if not in_range(du, DIALOGUES['N_UNANS']): bad('unanswerable dialogues out of range', du, DIALOGUES['N_UNANS'])

    if EXTRA is not None: EXTRA(bad)

    print('OK' if not problems else 'PROBLEMS')
    return not problems


# reStructuredText sets: markup that would not read the same once docutils has converted a file
RST_MARKUP = set('`*_|:<>[]{}&\\')


def expecteds(path, key):
    """[(line number, expected text)] of the lines whose `expected` is a string."""
    out = []
    with open(path, encoding='utf-8') as f:
        for i, line in enumerate(f, 1):
            try:
                d = json.loads(line)
            except ValueError:
                continue   # setcheck reports it
            if isinstance(d, dict) and isinstance(d.get('expected'), str):
                out.append((i, d['expected']))
    return out


def rendered(path):
    """(visible text outside <pre>, text inside <pre>) of an .rst file converted by docutils,
    whitespace collapsed; None when docutils is not installed."""
    try:
        from docutils.core import publish_parts
    except ImportError:
        return None
    with open(path, encoding='utf-8') as f:
        src = f.read()
    body = publish_parts(src, writer_name='html', settings_overrides={
        'report_level': 5, 'halt_level': 5, 'file_insertion_enabled': False,
        'raw_enabled': False, 'warning_stream': False, '_disable_config': True})['body']
    pre = re.findall(r'(?is)<pre\b[^>]*>(.*?)</pre>', body)
    body = re.sub(r'(?is)<pre\b[^>]*>.*?</pre>', ' ', body)
    text = lambda t: norm(html.unescape(re.sub(r'<[^>]*>', '', t)))
    return text(body), text(' '.join(pre))


def rst_checks(B, per_file_questions, per_file_dialogues):
    """The further checks of a set of .rst files (fresh11, rstdev), as check()'s EXTRA: the number
    of answerable questions and dialogues per file; no reStructuredText markup character in an
    expected text; and, when docutils is installed, every expected text occurs once in the visible
    text of the converted corpus and never inside a literal or code block."""
    return lambda bad: _rst_extra(B, bad, (per_file_questions, per_file_questions), per_file_dialogues)


def _rst_extra(B, bad, per_file_questions, per_file_dialogues):
    C = os.path.join(B, 'corpus')
    raw = {}
    for p in sorted(glob.glob(C + '/*')):
        with open(p, encoding='utf-8') as f:
            raw[os.path.basename(p)] = f.read()
    conv = {n: rendered(os.path.join(C, n)) for n in raw}
    have_docutils = all(v is not None for v in conv.values())
    if not have_docutils:
        print('note: docutils not installed, rendered-text checks skipped')
    for fname, label, limits in (('questions.jsonl', 'LINE', per_file_questions),
                                 ('dialogues.jsonl', 'dialogues LINE', per_file_dialogues)):
        per = {n: 0 for n in raw}
        for i, e in expecteds(os.path.join(B, fname), None):
            where = [n for n, t in raw.items() if e in t]
            if len(where) == 1:
                per[where[0]] += 1
            if RST_MARKUP & set(e):
                bad(label, i, 'reStructuredText markup character', ''.join(sorted(RST_MARKUP & set(e))), e)
            if have_docutils:
                ne = norm(e)
                seen = sum(v[0].count(ne) for v in conv.values())
                in_pre = sum(v[1].count(ne) for v in conv.values())
                if seen != 1: bad(label, i, f'{seen} occurrences in the converted text', e)
                if in_pre: bad(label, i, 'inside a literal/code block once converted', e)
        print(fname, 'per file:', per)
        lo, hi = limits
        for n, c in per.items():
            if not lo <= c <= hi: bad(fname, 'answerable for', n, c, 'not in', limits)
    print('rendered-text checks', 'done' if have_docutils else 'skipped')
