"""The checks every blind set's validate.py runs (fresh4 and later), given that set's sources.

Checks: corpus formats and size, byte-for-byte copies of the real documents (cmp against the
source; .gz sources are gunzipped into a temporary folder first), the hand-built FAQ file (keys
id/question/answer, 10-16 rows, answers verbatim from their source, with WHOLE_PARAGRAPHS each a
whole paragraph of it, and not taken from any corpus document), and every line of
questions.jsonl (keys, counts, 4-15 words, exactly one occurrence in exactly one corpus file,
within a single source line, no markup characters, visible text only for HTML and identical in
the raw HTML, within one answer field for the FAQ file). Prints OK or PROBLEMS.
"""
import glob, gzip, html, json, os, re, shutil, subprocess, sys, tempfile

MARKUP = set('`*_{}<>&[]')


def check(B, SOURCES, FAQ_FILE, FAQ_SOURCE, N_ANS, N_UNANS=(15, 20), WHOLE_PARAGRAPHS=False):
    """B: the set's folder; SOURCES: corpus file -> (source path on the dev machine, gzipped?)."""
    name = os.path.basename(B)
    C = os.path.join(B, 'corpus')

    problems = []
    def bad(*a):
        problems.append(a)
        print('PROBLEM', *a)

    # ---- corpus ---------------------------------------------------------------
    paths = sorted(glob.glob(C + '/*'))
    names = [os.path.basename(p) for p in paths]
    if set(names) != set(SOURCES) | {FAQ_FILE}:
        bad('unexpected corpus files', names)
    exts = {os.path.splitext(n)[1] for n in names}
    for need in ('.md', '.txt', '.html'):
        if need not in exts: bad('no', need, 'file')
    if not exts & {'.csv', '.jsonl'}: bad('no FAQ .csv/.jsonl file')
    total = 0
    for p in paths:
        sz = os.path.getsize(p); total += sz
        if not 5_000 <= sz <= 25_000: bad('document size', os.path.basename(p), sz)
    if not 40_000 <= total <= 80_000: bad('corpus size', total)
    tmpdir = tempfile.mkdtemp(prefix=name + '-validate-')
    for n, (src, gz) in SOURCES.items():
        if not os.path.exists(src):
            print('note: source not on this machine, byte check skipped:', src); continue
        ref = src
        if gz:
            ref = os.path.join(tmpdir, n + '.src')
            with open(ref, 'wb') as f:
                f.write(gzip.open(src).read())
        r = subprocess.run(['cmp', os.path.join(C, n), ref], capture_output=True, text=True)
        if r.returncode != 0: bad('not a byte-for-byte copy', n, src, r.stdout.strip())
    shutil.rmtree(tmpdir, ignore_errors=True)
    print('byte checks done')

    raw = {n: open(os.path.join(C, n), encoding='utf-8').read() for n in names}

    def visible(t):
        t = re.sub(r'(?is)<(style|script|head)\b.*?</\1>', '\x00', t)
        t = re.sub(r'(?s)<!--.*?-->', '\x00', t)
        return re.sub(r'<[^>]*>', '\x00', t)

    # ---- FAQ file ---------------------------------------------------------------
    faq = []
    for i, line in enumerate(open(os.path.join(C, FAQ_FILE), encoding='utf-8'), 1):
        try:
            faq.append(json.loads(line))
        except Exception as ex:
            bad('faq line', i, 'bad json', ex)
    if not faq or any(list(r.keys()) != ['id', 'question', 'answer'] for r in faq): bad('faq columns')
    if len({r.get('id') for r in faq}) != len(faq): bad('faq duplicate ids')
    if not 10 <= len(faq) <= 16: bad('faq rows', len(faq))
    norm = lambda s: ' '.join(s.split())
    src_text = src_paras = None
    if os.path.exists(FAQ_SOURCE):
        _src = gzip.open(FAQ_SOURCE).read().decode('utf-8')
        src_text = norm(_src)
        if WHOLE_PARAGRAPHS:
            src_paras = {norm(x) for x in re.split(r'\n[ \t]*\n', _src) if x.strip()}
    docs_norm = {}
    for n, t in raw.items():
        if n == FAQ_FILE: continue
        if n.endswith('.html'):
            t = html.unescape(re.sub(r'<[^>]*>', '', re.sub(r'(?is)<(style|script|head)\b.*?</\1>', ' ', t)))
        docs_norm[n] = norm(t.replace('`', '') if n.endswith('.md') else t)
    for r in faq:
        a = r.get('answer', '')
        if not str(r.get('question', '')).strip() or not a.strip(): bad('empty faq field', r)
        if '\n' in a: bad('faq answer spans lines', r['id'])
        if a != norm(a): bad('faq answer whitespace not normalised', r['id'])
        if src_text is not None and a not in src_text: bad('faq answer not verbatim in', FAQ_SOURCE, r['id'])
        if src_paras is not None and a not in src_paras: bad('faq answer is not a whole paragraph of', FAQ_SOURCE, r['id'])
        dup = [n for n, t in docs_norm.items() if a in t]
        if dup: bad('faq answer also in corpus doc', r['id'], dup)
    print('faq rows', len(faq), 'source check', 'done' if src_text is not None else 'skipped')

    # searchable text per file; units = the pieces an expected span must lie within
    text, units = {}, {}
    for n, t in raw.items():
        if n.endswith('.html'):
            v = visible(t); text[n] = v
            units[n] = [l for seg in v.split('\x00') for l in seg.split('\n')]
        elif n == FAQ_FILE:
            text[n] = '\n'.join(r['answer'] for r in faq) + '\n' + '\n'.join(str(r['question']) for r in faq)
            units[n] = [r['answer'] for r in faq]
        else:
            text[n] = t; units[n] = t.split('\n')

    # ---- questions ------------------------------------------------------------------
    per_doc = {n: 0 for n in names}
    na = nu = 0
    seen = set()
    for i, line in enumerate(open(os.path.join(B, 'questions.jsonl'), encoding='utf-8'), 1):
        try:
            d = json.loads(line)
        except Exception as ex:
            bad('LINE', i, 'bad json', ex); continue
        if set(d) != {'question', 'expected'}: bad('LINE', i, 'keys', sorted(d))
        q, e = d.get('question'), d.get('expected')
        if not isinstance(q, str) or not q.strip(): bad('LINE', i, 'empty question')
        elif q.lower() in seen: bad('LINE', i, 'duplicate question')
        else: seen.add(q.lower())
        if e is None:
            nu += 1; continue
        if not isinstance(e, str): bad('LINE', i, 'expected not str|null'); continue
        na += 1
        probs = []
        nw = len(e.split())
        if not 4 <= nw <= 15: probs.append(f'{nw} words')
        if '\n' in e: probs.append('newline')
        if MARKUP & set(e): probs.append('markup char ' + ''.join(sorted(MARKUP & set(e))))
        hits = {n: t.count(e) for n, t in text.items() if e in t}
        rawhits = {n: t.count(e) for n, t in raw.items() if e in t}
        if len(hits) != 1: probs.append(f'in files {sorted(hits)}')
        else:
            (n, c), = hits.items()
            if n == FAQ_FILE:
                c = sum(a.count(e) for a in units[n])
                if any(e in str(r['question']) for r in faq): probs.append('also in a faq question')
            if c != 1: probs.append(f'{c} occurrences in {n}')
            if not any(e in u for u in units[n]): probs.append('not within one source line / segment')
            if n not in rawhits: probs.append('not in raw file')
            elif n != FAQ_FILE and rawhits[n] != c: probs.append(f'raw count {rawhits[n]}')
            if not probs: per_doc[n] += 1
        others = {m for m in rawhits if m not in hits}
        if others: probs.append(f'also in raw {sorted(others)}')
        if probs: bad('LINE', i, probs, e)

    print('answerable per document:', per_doc)
    print('answerable', na, 'unanswerable', nu)
    if not N_ANS[0] <= na <= N_ANS[1]: bad('answerable count out of range', na, N_ANS)
    if not N_UNANS[0] <= nu <= N_UNANS[1]: bad('unanswerable count out of range', nu, N_UNANS)
    for n, c in per_doc.items():
        if c < 5: bad('too few answerable questions for', n, c)
    print('OK' if not problems else 'PROBLEMS')
    return not problems
