"""Validator for the fresh5 blind set (adapted from tests/eval/fresh4/validate.py).

Checks: corpus formats and size, byte-for-byte copies of the four real documents (cmp
against the source; .gz sources are gunzipped into /tmp first), the hand-built FAQ file
(keys id/question/answer, 10-16 rows, each answer a whole paragraph of its source with
whitespace runs collapsed, and not taken from any corpus document), and every line of questions.jsonl (keys, counts, 4-15 words,
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
    'zstd-readme.md': ('/usr/share/doc/zstd/README.md.gz', True),
    'libgcrypt-readme.txt': ('/usr/share/doc/libgcrypt20/README.gz', True),
    'dpkg-rootless-builds.txt': ('/usr/share/doc/dpkg/spec/rootless-builds.txt', False),
    'valgrind-bbv-manual.html': ('/usr/share/doc/valgrind/html/bbv-manual.html', False),
}
FAQ_FILE = 'libxcrypt-faq.jsonl'
FAQ_SOURCE = '/usr/share/doc/libcrypt-dev/README.md.gz'   # answers are verbatim from here

sys.exit(0 if check(B, SOURCES, FAQ_FILE, FAQ_SOURCE, N_ANS=(80, 85), N_UNANS=(15, 20), WHOLE_PARAGRAPHS=True) else 1)
