"""Validator for the fresh9 blind set (adapted from tests/eval/fresh8/validate.py).

Checks: corpus formats and size, byte-for-byte copies of the four real documents (cmp
against the source; .gz sources are gunzipped into /tmp first), the hand-built FAQ file
(keys id/question/answer, 10-16 rows, each answer a whole paragraph of its source with
whitespace runs collapsed, and not taken from any corpus document), and every line of
questions.jsonl (keys, 80-85 answerable and 15-20 unanswerable, 4-15 words, exactly one
occurrence in exactly one corpus file, within a single source line, no markup characters,
visible text only for HTML and identical in the raw HTML, within one answer field for the FAQ
file), and dialogues.jsonl (keys turns/expected, 2-3 non-empty turns, no duplicate dialogue,
24-26 with an expected text and 5-6 with expected null, every expected text under the
questions' rules). Prints OK or PROBLEMS.

The checks themselves are tests/eval/setcheck.py's, shared by the blind sets.
"""
import os
import sys

B = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(B))
from setcheck import check  # noqa: E402

# corpus file -> (source path on the dev machine, gzipped?)
SOURCES = {
    'xmltodict-readme.md': ('/usr/share/doc/python3-xmltodict/README.md.gz', True),
    'invoke-rc-d-readme.txt': ('/usr/share/doc/init-system-helpers/README.invoke-rc.d.gz', True),
    'pam-mini-policy.txt': ('/usr/share/doc/libpam0g/Debian-PAM-MiniPolicy.gz', True),
    'sqlite-quirks.html': ('/usr/share/doc/sqlite3/quirks.html', False),
}
FAQ_FILE = 'krb5-readme-faq.jsonl'
FAQ_SOURCE = '/usr/share/doc/libkrb5-3/README.gz'   # answers are whole paragraphs from here

sys.exit(0 if check(B, SOURCES, FAQ_FILE, FAQ_SOURCE, N_ANS=(80, 85), N_UNANS=(15, 20), WHOLE_PARAGRAPHS=True,
                    DIALOGUES={'N_ANS': (24, 26), 'N_UNANS': (5, 6), 'TURNS': (2, 3)}) else 1)
