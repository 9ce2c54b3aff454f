"""Validator for the devdocs development set (adapted from tests/eval/fresh2/validate.py).

Checks: corpus formats and per-file size (5-25 KB), byte-for-byte copies of the four
copied documents (against their sources, when present on this machine), the FAQ file
(keys id/question/answer, 8-15 rows, answers verbatim from their source and not copied
from any corpus document), and every line of questions.jsonl and dialogues.jsonl (keys,
counts, 4-15 words, exactly one occurrence in exactly one corpus file, within a single
source line, no markup characters, visible text only for HTML, within one answer field
for the FAQ file; dialogues have 2-3 non-empty turns). Prints OK or PROBLEMS.
"""
import glob, gzip, html, json, os, re, sys

B = os.path.dirname(os.path.abspath(__file__))
C = os.path.join(B, 'corpus')

# corpus file -> (source path on the dev machine, gzipped?)
SOURCES = {
    'systemd-environment.md': ('/usr/share/doc/systemd/ENVIRONMENT.md.gz', True),
    'pip-dependency-resolution.md': ('/usr/share/doc/python3-pip/html/topics/dependency-resolution.md.gz', True),
    'coreutils-readme.txt': ('/usr/share/doc/coreutils/README.gz', True),
    'libxslt-bugs.html': ('/usr/share/doc/libxslt1-dev/html/bugs.html', False),
}
FAQ_FILE = 'gnupg-faq.jsonl'
FAQ_SOURCE = '/usr/share/doc/gnupg/README.gz'   # answers are verbatim from here (whitespace collapsed)
MARKUP = set('`*_{}<>&[]')
MIN_SIZE, MAX_SIZE = 5_000, 25_600

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
exts = [os.path.splitext(n)[1] for n in names]
for need, k in (('.md', 2), ('.txt', 1), ('.html', 1)):
    if exts.count(need) < k: bad('fewer than', k, need, 'files')
if not set(exts) & {'.csv', '.jsonl'}: bad('no FAQ .csv/.jsonl file')
for p in paths:
    s = os.path.getsize(p)
    if not MIN_SIZE <= s <= MAX_SIZE: bad('size out of 5-25 KB', os.path.basename(p), s)
print('corpus sizes:', {n: os.path.getsize(os.path.join(C, n)) for n in names})
for n, (src, gz) in SOURCES.items():
    if not os.path.exists(src):
        print('note: source not on this machine, byte check skipped:', src); continue
    want = gzip.open(src).read() if gz else open(src, 'rb').read()
    if open(os.path.join(C, n), 'rb').read() != want: bad('not a byte-for-byte copy', n, src)
    else: print('byte-identical:', n, '==', src + (' (gunzipped)' if gz else ''))

raw = {n: open(os.path.join(C, n), encoding='utf-8').read() for n in names}

def visible(t):
    t = re.sub(r'(?is)<(style|script|head)\b.*?</\1>', '\x00', t)
    return re.sub(r'<[^>]*>', '\x00', t)

# ---- FAQ file ---------------------------------------------------------------
faq = []
for i, line in enumerate(open(os.path.join(C, FAQ_FILE), encoding='utf-8'), 1):
    try:
        r = json.loads(line)
    except Exception as ex:
        bad('faq line', i, 'bad json', ex); continue
    if list(r.keys()) != ['id', 'question', 'answer']: bad('faq keys', i, list(r.keys()))
    faq.append(r)
if not 8 <= len(faq) <= 15: bad('faq rows', len(faq))
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
    a = norm(r.get('answer', ''))
    if not r.get('question', '').strip() or not a: bad('empty faq field', r)
    if '\n' in r.get('answer', ''): bad('faq answer spans lines', r.get('id'))
    if src_text is not None and a not in src_text: bad('faq answer not verbatim in', FAQ_SOURCE, r.get('id'))
    dup = [n for n, t in docs_norm.items() if a in t]
    if dup: bad('faq answer also in corpus doc', r.get('id'), dup)
print('faq rows', len(faq), 'source check', 'done' if src_text is not None else 'skipped')

# searchable text per file; units = the pieces an expected span must lie within
text, units = {}, {}
for n, t in raw.items():
    if n.endswith('.html'):
        v = visible(t); text[n] = v
        units[n] = [l for seg in v.split('\x00') for l in seg.split('\n')]
    elif n == FAQ_FILE:
        units[n] = [r.get('answer', '') for r in faq]
        text[n] = '\n'.join(units[n])
    else:
        text[n] = t; units[n] = t.split('\n')

def check_expected(where, e, per_doc):
    """Return list of problems for one non-null expected span; count it per document."""
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
        if c != 1: probs.append(f'{c} occurrences in {n}')
        if not any(e in u for u in units[n]): probs.append('not within one source line / segment / answer')
        if n not in rawhits: probs.append('not in raw file')
        elif rawhits[n] != c: probs.append(f'raw count {rawhits[n]}')
        if not probs: per_doc[n] += 1
    others = {m for m in rawhits if m not in hits}
    if others: probs.append(f'also in raw {sorted(others)}')
    if probs: bad(where, probs, e)

# ---- questions ------------------------------------------------------------------
def load(fn):
    out = []
    for i, line in enumerate(open(os.path.join(B, fn), encoding='utf-8'), 1):
        try:
            out.append((i, json.loads(line)))
        except Exception as ex:
            bad(fn, 'LINE', i, 'bad json', ex)
    return out

per_doc = {n: 0 for n in names}
na = nu = 0
seen, seen_e = set(), set()
for i, d in load('questions.jsonl'):
    if set(d) != {'question', 'expected'}: bad('questions LINE', i, 'keys', sorted(d))
    q, e = d.get('question'), d.get('expected')
    if not isinstance(q, str) or not q.strip(): bad('questions LINE', i, 'empty question')
    elif q.lower() in seen: bad('questions LINE', i, 'duplicate question')
    else: seen.add(q.lower())
    if e is None:
        nu += 1; continue
    if not isinstance(e, str): bad('questions LINE', i, 'expected not str|null'); continue
    if e in seen_e: bad('questions LINE', i, 'duplicate expected')
    seen_e.add(e)
    na += 1
    check_expected(f'questions LINE {i}', e, per_doc)

print('questions: answerable per document:', per_doc)
print('questions: answerable', na, 'unanswerable', nu)
if not 60 <= na <= 70: bad('answerable questions not 60-70:', na)
if nu != 15: bad('unanswerable questions not 15:', nu)
for n, c in per_doc.items():
    if c < 5: bad('too few answerable questions for', n, c)

# ---- dialogues ------------------------------------------------------------------
dper = {n: 0 for n in names}
da = du = 0
for i, d in load('dialogues.jsonl'):
    if set(d) != {'turns', 'expected'}: bad('dialogues LINE', i, 'keys', sorted(d))
    t, e = d.get('turns'), d.get('expected')
    if not isinstance(t, list) or not 2 <= len(t) <= 3 or not all(isinstance(x, str) and x.strip() for x in t):
        bad('dialogues LINE', i, 'turns must be 2-3 non-empty strings')
    if e is None:
        du += 1; continue
    if not isinstance(e, str): bad('dialogues LINE', i, 'expected not str|null'); continue
    da += 1
    check_expected(f'dialogues LINE {i}', e, dper)
print('dialogues: answerable per document:', dper)
print('dialogues: answerable', da, 'unanswerable', du)
if da + du != 16 or da != 13: bad('dialogues should be 16 (13 answerable, 3 null):', da, du)

print('OK' if ok else 'PROBLEMS')
sys.exit(0 if ok else 1)
