"""Validator for the fresh6 blind set (adapted from tests/eval/fresh5/validate.py).

Checks: corpus formats and size, byte-for-byte copies of the four real documents (cmp
against the source; .gz sources are gunzipped into /tmp first), the hand-built FAQ file
(keys id/question/answer, 10-16 rows, each answer a whole paragraph of its source with
whitespace runs collapsed, and not taken from any corpus document), and every line of
questions.jsonl (keys, counts, 4-15 words, exactly one occurrence in exactly one corpus file,
within a single source line, no markup characters, visible text only for HTML and identical
in the raw HTML, within one answer field for the FAQ file). Those checks are
tests/eval/setcheck.py's, shared by the blind sets.

Then, here, dialogues.jsonl: keys turns/expected, 2-3 non-empty turns, no duplicate
dialogue, 13-17 dialogues of which 2-3 have expected null, and every non-null expected
obeys the same rules as the questions' (4-15 words, no markup characters, exactly one
occurrence in exactly one corpus file, within one source line / HTML text segment / FAQ
answer field, not in a FAQ question, identical in the raw HTML). Prints OK or PROBLEMS.
"""
import glob
import json
import os
import re
import sys

B = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(B))
from setcheck import check, MARKUP  # noqa: E402

# corpus file -> (source path on the dev machine, gzipped?)
SOURCES = {
    'node-single-executable-applications.md': ('/usr/share/doc/nodejs/api/single-executable-applications.md', False),
    'util-linux-howto-pull-request.txt': ('/usr/share/doc/util-linux/howto-pull-request.txt.gz', True),
    'net-ssleay-readme.txt': ('/usr/share/doc/libnet-ssleay-perl/README.gz', True),
    'libffi-closure-api.html': ('/usr/share/doc/libffi8/html/The-Closure-API.html', False),
}
FAQ_FILE = 'zutty-faq.jsonl'
FAQ_SOURCE = '/usr/share/doc/zutty/README.org.gz'   # answers are whole paragraphs from here

ok = check(B, SOURCES, FAQ_FILE, FAQ_SOURCE, N_ANS=(80, 85), N_UNANS=(15, 20), WHOLE_PARAGRAPHS=True)

# ---- dialogues (same rules for expected as setcheck applies to questions) -------------
C = os.path.join(B, 'corpus')
names = [os.path.basename(p) for p in sorted(glob.glob(C + '/*'))]
raw = {n: open(os.path.join(C, n), encoding='utf-8').read() for n in names}
faq = [json.loads(l) for l in open(os.path.join(C, FAQ_FILE), encoding='utf-8')]


def visible(t):
    t = re.sub(r'(?is)<(style|script|head)\b.*?</\1>', '\x00', t)
    t = re.sub(r'(?s)<!--.*?-->', '\x00', t)
    return re.sub(r'<[^>]*>', '\x00', t)


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

dproblems = []
def dbad(*a):
    dproblems.append(a)
    print('PROBLEM dialogues', *a)

nd = nnull = 0
per_doc = {n: 0 for n in names}
seen = set()
for i, line in enumerate(open(os.path.join(B, 'dialogues.jsonl'), encoding='utf-8'), 1):
    try:
        d = json.loads(line)
    except Exception as ex:
        dbad('LINE', i, 'bad json', ex); continue
    nd += 1
    if set(d) != {'turns', 'expected'}: dbad('LINE', i, 'keys', sorted(d))
    turns, e = d.get('turns'), d.get('expected')
    if not isinstance(turns, list) or not 2 <= len(turns) <= 3:
        dbad('LINE', i, 'turns must be a list of 2-3 strings')
    elif any(not isinstance(t, str) or not t.strip() for t in turns):
        dbad('LINE', i, 'empty or non-string turn')
    else:
        key = tuple(t.lower() for t in turns)
        if key in seen: dbad('LINE', i, 'duplicate dialogue')
        seen.add(key)
    if e is None:
        nnull += 1; continue
    if not isinstance(e, str): dbad('LINE', i, 'expected not str|null'); continue
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
    if probs: dbad('LINE', i, probs, e)

print('dialogues', nd, 'with expected null', nnull, 'per document:', per_doc)
if not 13 <= nd <= 17: dbad('dialogue count out of range', nd, (13, 17))
if not 2 <= nnull <= 3: dbad('null dialogue count out of range', nnull, (2, 3))

ok = ok and not dproblems
print('OK' if ok else 'PROBLEMS')
sys.exit(0 if ok else 1)
