"""Validate tests/eval/faqtext/questions.jsonl against corpus/ (adapted from tests/eval/blind/validate.py).

Rules checked for every non-null `expected`:
  * 4-15 whitespace-separated words, no newline, no leading/trailing space
  * occurs exactly once in exactly one corpus file
  * lies within one source line, and that line belongs to an ANSWER of the FAQ
    (never to the FAQ's own question text or to headings/intros)
  * is not contained in the user's question
Set-level rules: the corpus is the four FAQ .txt files; keys are exactly {question, expected};
questions lowercase and unique, an unanswerable one not copied from a corpus file, none
copying a FAQ question line; >= 8 answerable per corpus file; about 40 answerable (36-45);
exactly 10 unanswerable. Prints OK or PROBLEMS.

The shared rules are tests/eval/setcheck.py's (no FAQ file, no markup rule, no byte or size
checks here); the line roles and the question rules are this file's own.
"""
import glob
import json
import os
import sys

B = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(B))
from setcheck import check

# corpus files; None: no byte check (this set's validator never had one)
SOURCES = {n: None for n in ('xz-faq.txt', 'procps-faq.txt', 'base-files-faq.txt', 'ncurses-faq.txt')}


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
            elif l.startswith(('* ', 'Santiago Vila')): st = 'O'
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


def question_rules(bad):
    """This set's own rules: lowercase questions, line roles, nothing copied from the FAQs."""
    docs = {}
    for p in sorted(glob.glob(B + '/corpus/*.txt')):
        with open(p, encoding='utf-8') as f:
            docs[os.path.basename(p)] = f.read()
    R = {n: roles(n, t) for n, t in docs.items()}
    with open(B + '/questions.jsonl', encoding='utf-8') as f:
        lines = list(f)
    for i, line in enumerate(lines, 1):
        try:
            d = json.loads(line)
        except ValueError:
            continue   # reported by check()
        if not isinstance(d, dict): continue
        q, e = d.get('question'), d.get('expected')
        if not isinstance(q, str) or not q.strip(): continue   # reported by check()
        if q != q.lower(): bad('LINE', i, 'question not lowercase')
        if e is None:
            for n, t in docs.items():
                if q in t: bad('LINE', i, f'unanswerable question copied from {n}')
            continue
        if not isinstance(e, str): continue
        if e.lower() in q.lower(): bad('LINE', i, 'expected inside question', e)
        hits = [n for n, t in docs.items() if e in t]
        if len(hits) != 1: continue   # reported by check()
        n = hits[0]; t = docs[n]
        ln = t[:t.index(e)].count('\n')
        if R[n][ln] != 'A': bad('LINE', i, f'{n}:{ln+1} is a {R[n][ln]} line, not answer text', e)
        # the user's question must not simply copy the FAQ's question line
        faqq = {' '.join(l.lower().split()) for l, r in zip(t.split('\n'), R[n]) if r == 'Q'}
        if ' '.join(q.split()) in faqq: bad('LINE', i, 'question copied from FAQ', e)


sys.exit(0 if check(B, SOURCES, None, None, N_ANS=(36, 45), N_UNANS=(10, 10),
                    FILE_SIZE=None, TOTAL_SIZE=None, NEED_EXTS=(('.txt', 1),), MARKUP='',
                    STRIP_EXPECTED=True, MIN_PER_DOC=8, EXTRA=question_rules) else 1)
