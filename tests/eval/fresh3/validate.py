"""Validator for the fresh3 blind set (adapted from tests/eval/fresh2/validate.py).

Checks: corpus formats and size (each file 2-25 KB, total 30-75 KB), byte-for-byte copies
(checked with cmp(1) against the installed source, gunzipped to a temporary file where the
source is gzipped; skipped with a note when the source is not on this machine), the
hand-assembled FAQ file (keys id/question/answer, 8-12 rows, answers verbatim from their
source and not copied from any corpus document), and every line of questions.jsonl (keys,
counts, 4-15 words, exactly one occurrence in exactly one corpus file, within a single
source line, no markup characters, no leading/trailing space, visible text only for HTML
and identical in the raw HTML, within one answer field for the FAQ file). Prints OK or
PROBLEMS.

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
    'libjpeg-turbo-readme.md': ('/usr/share/doc/libjpeg-dev/README.md.gz', True),
    'systemd-uids-gids.md': ('/usr/share/doc/systemd/UIDS-GIDS.md.gz', True),
    'gcc-reporting-bugs.txt': ('/usr/share/doc/gcc-12-base/README.Bugs', False),
    'valgrind-quick-start.html': ('/usr/share/doc/valgrind/html/quick-start.html', False),
}
FAQ_FILE = 'lsof-faq.jsonl'
FAQ_SOURCE = '/usr/share/doc/lsof/00FAQ.gz'   # answers are verbatim from here (not in corpus)

sys.exit(0 if check(B, SOURCES, FAQ_FILE, FAQ_SOURCE, N_ANS=(70, 90), N_UNANS=(15, 20),
                    FILE_SIZE=(2_000, 25_000), TOTAL_SIZE=(30_000, 75_000), FAQ_ROWS=(8, 12),
                    FAQ_COLLAPSE=True, FAQ_STR_FIELDS=True, STRIP_EXPECTED=True,
                    DIALOGUES={'N_ANS': (18, 22), 'N_UNANS': (4, 5), 'TURNS': (2, 3)}) else 1)
