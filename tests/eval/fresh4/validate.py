"""Validator for the fresh4 blind set (adapted from tests/eval/fresh2/validate.py).

Checks: corpus formats and size, byte-for-byte copies of the four real documents (cmp
against the source; .gz sources are gunzipped into /tmp first), the hand-built FAQ file
(columns id/question/answer, 10-16 rows, answers verbatim from their source and not taken
from any corpus document), and every line of questions.jsonl (keys, counts, 4-15 words,
exactly one occurrence in exactly one corpus file, within a single source line, no markup
characters, visible text only for HTML and identical in the raw HTML, within one answer
field for the FAQ file). Prints OK or PROBLEMS.

The checks themselves are tests/eval/setcheck.py's, shared by the blind sets.
"""
import os
import sys

B = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(B))
from setcheck import check  # noqa: E402

# corpus file -> (source path on the dev machine, gzipped?)
SOURCES = {
    'openssl-engines.md': ('/usr/share/doc/openssl/README-ENGINES.md.gz', True),
    'adduser-readme.txt': ('/usr/share/doc/adduser/README.gz', True),
    'parse-date.txt': ('/usr/share/doc/util-linux/parse-date.txt.gz', True),
    'libffi-the-basics.html': ('/usr/share/doc/libffi8/html/The-Basics.html', False),
}
FAQ_FILE = 'gdb-faq.jsonl'
FAQ_SOURCE = '/usr/share/doc/gdb/README.gz'   # answers are verbatim from here

sys.exit(0 if check(B, SOURCES, FAQ_FILE, FAQ_SOURCE, N_ANS=(70, 90), N_UNANS=(15, 20)) else 1)
