"""Validator for the devdocs development set (adapted from tests/eval/fresh2/validate.py).

Checks: corpus formats (at least 2 .md, 1 .txt, 1 .html) and per-file size (5-25 KB),
byte-for-byte copies of the four copied documents (against their sources, when present on
this machine), the FAQ file (keys id/question/answer, unique ids, 8-15 rows, answers verbatim
from their source and not copied from any corpus document), and every line of questions.jsonl
and dialogues.jsonl (keys, counts, 4-15 words, exactly one occurrence in exactly one corpus
file, the same count in the raw file, within a single source line, no markup characters,
visible text only for HTML, within one answer field for the FAQ file; no two questions with
the same expected; dialogues have 2-3 non-empty turns). Prints OK or PROBLEMS.

The checks themselves are tests/eval/setcheck.py's, with this set's limits below.
"""
import os
import sys

B = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(B))
from setcheck import check

# corpus file -> (source path on the dev machine, gzipped?)
SOURCES = {
    'systemd-environment.md': ('/usr/share/doc/systemd/ENVIRONMENT.md.gz', True),
    'pip-dependency-resolution.md': ('/usr/share/doc/python3-pip/html/topics/dependency-resolution.md.gz', True),
    'coreutils-readme.txt': ('/usr/share/doc/coreutils/README.gz', True),
    'libxslt-bugs.html': ('/usr/share/doc/libxslt1-dev/html/bugs.html', False),
}
FAQ_FILE = 'gnupg-faq.jsonl'
FAQ_SOURCE = '/usr/share/doc/gnupg/README.gz'   # answers are verbatim from here (whitespace collapsed)

sys.exit(0 if check(B, SOURCES, FAQ_FILE, FAQ_SOURCE, N_ANS=(60, 70), N_UNANS=(15, 15),
                    FILE_SIZE=(5_000, 25_600), TOTAL_SIZE=None,
                    NEED_EXTS=(('.md', 2), ('.txt', 1), ('.html', 1)), FAQ_ROWS=(8, 15),
                    FAQ_COLLAPSE=True, FAQ_STR_FIELDS=True, FAQ_RAW_COUNT=True, UNIQUE_EXPECTED=True,
                    DIALOGUES={'N_ANS': (13, 13), 'N_UNANS': (3, 3), 'TURNS': (2, 3)}) else 1)
