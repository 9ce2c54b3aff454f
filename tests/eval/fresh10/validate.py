"""Validator for the fresh10 blind set (adapted from tests/eval/fresh9/validate.py).

Checks: corpus formats and size, byte-for-byte copies of the four real documents (cmp
against the source; .gz sources are gunzipped into /tmp first), the hand-built FAQ file, a
.csv this time (header id,question,answer, 10-16 rows, each answer a whole paragraph of its
source with whitespace runs collapsed, and not taken from any corpus document), and every line
of questions.jsonl (keys, 80-85 answerable and 15-20 unanswerable, 4-15 words, exactly one
occurrence in exactly one corpus file, within a single source line, no markup characters,
visible text only for HTML and identical in the raw HTML, within one answer field for the FAQ
file), and dialogues.jsonl (keys turns/expected, 2-3 non-empty turns, no duplicate dialogue,
24-26 with an expected text and 5-6 with expected null, every expected text under the
questions' rules). Prints OK or PROBLEMS.

The checks themselves are tests/eval/setcheck.py's, shared by the blind sets (its check()
reads a .csv FAQ file with csv.DictReader, so it needed no change).
"""
import os
import sys

B = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(B))
from setcheck import check  # noqa: E402

# corpus file -> (source path on the dev machine, gzipped?)
SOURCES = {
    'iso-codes-readme.md': ('/usr/share/doc/iso-codes/README.md.gz', True),
    'gzip-readme.txt': ('/usr/share/doc/gzip/README.gz', True),
    'make-readme.txt': ('/usr/share/doc/make/README.gz', True),
    'postfix-soho-readme.html': ('/usr/share/doc/postfix/html/SOHO_README.html', False),
}
FAQ_FILE = 'python-readme-faq.csv'
FAQ_SOURCE = '/usr/share/doc/python3.11/README.rst.gz'   # answers are whole paragraphs from here

sys.exit(0 if check(B, SOURCES, FAQ_FILE, FAQ_SOURCE, N_ANS=(80, 85), N_UNANS=(15, 20), WHOLE_PARAGRAPHS=True,
                    DIALOGUES={'N_ANS': (24, 26), 'N_UNANS': (5, 6), 'TURNS': (2, 3)}) else 1)
