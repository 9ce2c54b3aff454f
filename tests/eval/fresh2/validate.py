"""Validator for the fresh2 blind set (adapted from tests/eval/blind/validate.py).

Checks: corpus formats and size (total 30-70 KB), byte-for-byte copies (when the source is
present on this machine), the hand-written FAQ file (columns, 8-12 rows, answers verbatim
from their source and not copied from any corpus document), and every line of
questions.jsonl (keys, counts, 4-15 words, exactly one occurrence in exactly one corpus file,
within a single source line, no markup characters, visible text only for HTML, within one
answer field for the FAQ file). Prints OK or PROBLEMS.

dialogues.jsonl (development dialogues added 2026-11-28 late evening, after the set was
retired as a blind set): 2-3 turns, 18-22 with an expected text under the questions' rules and
4-5 with expected null, no two alike.

The checks themselves are tests/eval/setcheck.py's, with this set's limits below.
"""
import os
import sys

B = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(B))
from setcheck import check

# corpus file -> (source path on the dev machine, gzipped?)
SOURCES = {
    'valgrind-faq.txt': ('/usr/share/doc/valgrind/FAQ.txt.gz', True),
    'man-db-readme.md': ('/usr/share/doc/man-db/README.md.gz', True),
    'apt-readme.md': ('/usr/share/doc/apt/README.md.gz', True),
    'xsltproc.html': ('/usr/share/doc/libxslt1-dev/html/xsltproc.html', False),
}
FAQ_FILE = 'sed-faq.csv'
FAQ_SOURCE = '/usr/share/doc/sed/sedfaq.txt.gz'   # answers are verbatim from here

sys.exit(0 if check(B, SOURCES, FAQ_FILE, FAQ_SOURCE, N_ANS=(60, None), N_UNANS=(18, None),
                    FILE_SIZE=None, TOTAL_SIZE=(30_000, 70_000), FAQ_ROWS=(8, 12),
                    FAQ_COLLAPSE=True, FAQ_STR_FIELDS=True,
                    DIALOGUES={'N_ANS': (18, 22), 'N_UNANS': (4, 5), 'TURNS': (2, 3)}) else 1)
