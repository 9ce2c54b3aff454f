"""Validate tests/eval/faqtext/questions.jsonl against corpus/ (adapted from tests/eval/blind/validate.py).

Rules checked for every non-null `expected`:
  * 4-15 whitespace-separated words, no newline
  * occurs exactly once in exactly one corpus file
  * lies within one source line, and that line belongs to an ANSWER of the FAQ
    (never to the FAQ's own question text or to headings/intros)
  * is not contained in the user's question
Set-level rules: keys are exactly {question, expected}; questions lowercase and unique;
>= 8 answerable per corpus file; about 40 answerable (36-45); exactly 10 unanswerable.
"""
import json, glob, os, re, sys
from collections import Counter
B = os.path.dirname(os.path.abspath(__file__))
docs = {os.path.basename(p): open(p, encoding='utf-8').read() for p in sorted(glob.glob(B + '/corpus/*.txt'))}

def roles(name, text):
    """Return a list with one role per line: 'Q' (FAQ question), 'A' (answer), 'O' (other)."""
    L = text.split('\n'); r = ['O'] * len(L)
    if name == 'xz-faq.txt':
        st = 'O'
        for i, l in enumerate(L):
            if l.startswith('Q:'): st = 'Q'
            elif l.startswith('A:'): st = 'A'
            elif st == 'Q' and not l.strip(): st = 'O'
            r[i] = st if l.strip() else 'O'
    elif name == 'procps-faq.txt':
        for i, l in enumerate(L):
            r[i] = 'O' if not l.strip() else ('A' if l[0] in ' \t' else 'Q')
    elif name == 'base-files-faq.txt':
        st = 'O'
        for i, l in enumerate(L):
            if l.startswith('Q.'): st = 'Q'
            elif l.startswith('A.'): st = 'A'
            elif l.startswith('* ') or l.startswith('Santiago Vila'): st = 'O'
            r[i] = st if l.strip() else 'O'
    elif name == 'ncurses-faq.txt':
        st = 'O'
        for i, l in enumerate(L):
            # '********' separates entries; the first paragraph after it states the
            # problem (the FAQ's question), the following paragraphs answer it
            if l.startswith('********'): st = 'Qnext'; r[i] = 'O'; continue
            if not l.strip():
                if st == 'Q': st = 'A'
                r[i] = 'O'; continue
            if st == 'Qnext': st = 'Q'
            r[i] = st
    else:
        sys.exit('no role parser for ' + name)
    return r

R = {n: roles(n, t) for n, t in docs.items()}
ok = True; na = nu = 0; per = Counter(); seen = set()
for i, line in enumerate(open(B + '/questions.jsonl', encoding='utf-8'), 1):
    d = json.loads(line); probs = []
    if set(d) != {'question', 'expected'}: probs.append(f'keys {sorted(d)}')
    q, e = d.get('question'), d.get('expected')
    if not isinstance(q, str) or not q.strip(): probs.append('bad question')
    else:
        if q != q.lower(): probs.append('question not lowercase')
        if q in seen: probs.append('duplicate question')
        seen.add(q)
    if e is None:
        nu += 1
        for n, t in docs.items():
            if q and q in t: probs.append(f'unanswerable question copied from {n}')
        if probs: ok = False; print('LINE', i, probs, q)
        else: print(f'{i:3} ok {"(unanswerable)":20} {q}')
        continue
    if not isinstance(e, str): ok = False; print('LINE', i, 'expected not str/null'); continue
    na += 1
    nw = len(e.split())
    hits = {n: t.count(e) for n, t in docs.items() if e in t}
    if '\n' in e: probs.append('newline')
    if e != e.strip(): probs.append('leading/trailing space')
    if not 4 <= nw <= 15: probs.append(f'{nw} words')
    if len(hits) != 1 or sum(hits.values()) != 1: probs.append(f'hits={hits}')
    if e.lower() in q.lower(): probs.append('expected inside question')
    if len(hits) == 1:
        n = next(iter(hits)); t = docs[n]
        ln = t[:t.index(e)].count('\n')
        role = R[n][ln]
        if role != 'A': probs.append(f'{n}:{ln+1} is a {role} line, not answer text')
        # the user's question must not simply copy the FAQ's question line
        faqq = {' '.join(l.lower().split()) for l, r in zip(t.split('\n'), R[n]) if r == 'Q'}
        if ' '.join(q.split()) in faqq: probs.append('question copied from FAQ')
        per[n] += 1
    if probs: ok = False; print('LINE', i, probs, e)
    else: print(f'{i:3} ok {n:20} L{ln+1:<4} {e}')
for n in docs:
    if per[n] < 8: ok = False; print('TOO FEW answerable for', n, per[n])
if not 36 <= na <= 45: ok = False; print('answerable count', na, 'not about 40')
if nu != 10: ok = False; print('unanswerable count', nu, '!= 10')
print('per file', dict(per))
print('answerable', na, 'unanswerable', nu, 'OK' if ok else 'PROBLEMS')
sys.exit(0 if ok else 1)
