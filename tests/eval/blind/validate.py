"""Validator for the blind set.

Checks: every line of questions.jsonl parses and has exactly the keys question/expected
(no empty or duplicate questions); each non-null `expected` has 4-15 words, no newline, none
of & < > when found in an HTML document and none of ` * { } _ when found in a Markdown one,
occurs exactly once in the visible text of exactly one document (the FAQ file aside), within
one line / HTML text segment, and the same number of times in that raw file and in no other;
faq.csv (keys id/question/answer, unique ids, answers on one line) has each answer verbatim
(whitespace-normalised) in the visible text of a corpus document. Prints OK or PROBLEMS.

The checks themselves are tests/eval/setcheck.py's, with this set's options below.
"""
import os
import sys

B = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(B))
from setcheck import check

# corpus files; None: no byte check (this set's validator never had one)
SOURCES = {n: None for n in ('npm-folders.html', 'npm-logging.html', 'openssh-README.Debian.txt',
                             'pip-caching.md', 'pip-configuration.md')}
FAQ_FILE = 'faq.csv'   # its answers are copied from the documents above

sys.exit(0 if check(B, SOURCES, FAQ_FILE, None, N_ANS=(None, None), N_UNANS=(None, None),
                    FILE_SIZE=None, TOTAL_SIZE=None, FAQ_ROWS=None, FAQ_COLLAPSE=True,
                    FAQ_IN_CORPUS=True, FAQ_STR_FIELDS=True, MIN_PER_DOC=0,
                    MARKUP={'.html': '&<>', '.md': '`*{}_'}) else 1)
