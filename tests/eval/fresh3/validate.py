"""Validator for the fresh3 blind set (adapted from tests/eval/fresh2/validate.py).

Checks: corpus formats and size, byte-for-byte copies (checked with cmp(1) against the
installed source, gunzipped to a temporary file where the source is gzipped; skipped
with a note when the source is not on this machine), the hand-assembled FAQ file
(keys id/question/answer, 8-12 rows, answers verbatim from their source and not
copied from any corpus document), and every line of questions.jsonl (keys, counts,
4-15 words, exactly one occurrence in exactly one corpus file, within a single source
line, no markup characters, visible text only for HTML and identical in the raw HTML,
within one answer field for the FAQ file). Prints OK or PROBLEMS.
"""
import glob, gzip, html, json, os, re, shutil, subprocess, sys, tempfile

B = os.path.dirname(os.path.abspath(__file__))
C = os.path.join(B, 'corpus')

# corpus file -> (source path on the dev machine, gzipped?)
SOURCES = {
    'libjpeg-turbo-readme.md': ('/usr/share/doc/libjpeg-dev/README.md.gz', True),
    'systemd-uids-gids.md': ('/usr/share/doc/systemd/UIDS-GIDS.md.gz', True),
    'gcc-reporting-bugs.txt': ('/usr/share/doc/gcc-12-base/README.Bugs', False),
    'valgrind-quick-start.html': ('/usr/share/doc/valgrind/html/quick-start.html', False),
}
FAQ_FILE = 'lsof-faq.jsonl'
FAQ_SOURCE = '/usr/share/doc/lsof/00FAQ.gz'   # answers are verbatim from here (not in corpus)
MARKUP = set('`*_{}<>&[]')
SIZE_RANGE = (30_000, 75_000)
MIN_ANSWERABLE, MAX_ANSWERABLE = 70, 90
MIN_UNANSWERABLE, MAX_UNANSWERABLE = 15, 20
MIN_PER_DOC = 5

ok = True
def bad(*a):
    global ok
    ok = False
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
total = sum(os.path.getsize(p) for p in paths)
if not SIZE_RANGE[0] <= total <= SIZE_RANGE[1]: bad('corpus size', total)
for p in paths:
    if not 2_000 <= os.path.getsize(p) <= 25_000: bad('file size', os.path.basename(p), os.path.getsize(p))

have_cmp = shutil.which('cmp') is not None
with tempfile.TemporaryDirectory() as tmp:
    for n, (src, gz) in SOURCES.items():
        if not os.path.exists(src):
            print('note: source not on this machine, byte check skipped:', src); continue
        ref = src
        if gz:
            ref = os.path.join(tmp, n)
            with gzip.open(src) as fi, open(ref, 'wb') as fo: shutil.copyfileobj(fi, fo)
        if have_cmp:
            r = subprocess.run(['cmp', '-s', ref, os.path.join(C, n)])
            same = r.returncode == 0
        else:
            same = open(ref, 'rb').read() == open(os.path.join(C, n), 'rb').read()
        if not same: bad('not a byte-for-byte copy', n, src)
print('byte check', 'with cmp' if have_cmp else 'in python', 'done')

raw = {n: open(os.path.join(C, n), encoding='utf-8').read() for n in names}

def visible(t):
    t = re.sub(r'(?is)<(style|script|head)\b.*?</\1>', '\x00', t)
    return re.sub(r'<[^>]*>', '\x00', t)

# ---- FAQ file ---------------------------------------------------------------
faq = []
for i, line in enumerate(raw.get(FAQ_FILE, '').splitlines(), 1):
    try:
        r = json.loads(line)
    except Exception as ex:
        bad('faq line', i, 'bad json', ex); continue
    if list(r) != ['id', 'question', 'answer']: bad('faq keys', i, list(r))
    faq.append(r)
if not 8 <= len(faq) <= 12: bad('faq rows', len(faq))
if len({r.get('id') for r in faq}) != len(faq): bad('duplicate faq ids')
norm = lambda s: ' '.join(s.split())
src_text = norm(gzip.open(FAQ_SOURCE).read().decode('utf-8')) if os.path.exists(FAQ_SOURCE) else None
docs_norm = {}
for n, t in raw.items():
    if n == FAQ_FILE: continue
    if n.endswith('.html'):
        t = html.unescape(re.sub(r'<[^>]*>', '', re.sub(r'(?is)<(style|script|head)\b.*?</\1>', ' ', t)))
    docs_norm[n] = norm(t.replace('`', '') if n.endswith('.md') else t)
for r in faq:
    q, a = r.get('question', ''), r.get('answer', '')
    if not isinstance(q, str) or not isinstance(a, str) or not q.strip() or not a.strip():
        bad('empty faq field', r.get('id')); continue
    if '\n' in a: bad('faq answer spans lines', r['id'])
    if src_text is not None:
        if norm(a) not in src_text: bad('faq answer not verbatim in', FAQ_SOURCE, r['id'])
        if norm(q) not in src_text: print('note: faq question reworded from the source heading:', r['id'])
    dup = [n for n, t in docs_norm.items() if norm(a) in t]
    if dup: bad('faq answer also in corpus doc', r['id'], dup)
print('faq rows', len(faq), 'source check', 'done' if src_text is not None else 'skipped')

# searchable text per file; units = the pieces an expected span must lie within
text, units = {}, {}
for n, t in raw.items():
    if n.endswith('.html'):
        v = visible(t); text[n] = v
        units[n] = [l for seg in v.split('\x00') for l in seg.split('\n')]
    elif n == FAQ_FILE:
        answers = [r.get('answer', '') for r in faq]
        text[n] = '\n'.join(answers) + '\n' + '\n'.join(r.get('question', '') for r in faq)
        units[n] = answers
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
    if e != e.strip(): probs.append('leading/trailing space')
    if MARKUP & set(e): probs.append('markup char ' + ''.join(sorted(MARKUP & set(e))))
    hits = {n: t.count(e) for n, t in text.items() if e in t}
    rawhits = {n: t.count(e) for n, t in raw.items() if e in t}
    if len(hits) != 1: probs.append(f'in files {sorted(hits)}')
    else:
        (n, c), = hits.items()
        if n == FAQ_FILE:
            c = sum(a.count(e) for a in units[n])
            if text[n].count(e) != c: probs.append('also in a faq question')
        if c != 1: probs.append(f'{c} occurrences in {n}')
        if not any(e in u for u in units[n]): probs.append('not within one source line / segment / answer')
        if n not in rawhits: probs.append('not in raw file')
        elif n != FAQ_FILE and rawhits[n] != c: probs.append(f'raw count {rawhits[n]}')
        if not probs: per_doc[n] += 1
    others = {m for m in rawhits if m not in hits}
    if others: probs.append(f'also in raw {sorted(others)}')
    if probs: bad('LINE', i, probs, e)

print('answerable per document:', per_doc)
print('answerable', na, 'unanswerable', nu)
if not MIN_ANSWERABLE <= na <= MAX_ANSWERABLE: bad('answerable count', na)
if not MIN_UNANSWERABLE <= nu <= MAX_UNANSWERABLE: bad('unanswerable count', nu)
for n, c in per_doc.items():
    if c < MIN_PER_DOC: bad('too few answerable questions for', n, c)
print('OK' if ok else 'PROBLEMS')
sys.exit(0 if ok else 1)
