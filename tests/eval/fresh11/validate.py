"""Validator for the fresh11 blind set (adapted from tests/eval/fresh10/validate.py).

The first set whose corpus is reStructuredText only: four real .rst documents (two copied as
they are, two gunzipped from Debian's .rst.gz), no hand-built FAQ file.

The shared checks are tests/eval/setcheck.py's, unchanged (its options cover this set): corpus
formats (four .rst files) and size (each 5-25 KB, total 30-80 KB), every file unchanged since
the set was made (corpus.sha256), byte-for-byte copies of the sources (cmp; .gz sources
gunzipped into a temporary folder first; a source missing from this machine skips only its own
comparison), and every line of questions.jsonl and dialogues.jsonl (keys; no duplicates; for
every non-null `expected`: 4-15 words, exactly one occurrence in exactly one corpus file, within
a single source line, none of the characters ` * _ | : < > [ ] { } & or a backslash, so that
it reads the same once docutils has converted the file). Counts: 40 answerable questions (at
least 10 per file, setcheck's MIN_PER_DOC) and 10 unanswerable; 12 two-turn dialogues, 10
answerable and 2 with expected null.

Further checks for .rst sets (setcheck.rst_checks, shared with the other .rst set): exactly 10 answerable questions per file and 2-3
answerable dialogues per file; and, when docutils can be imported, each .rst file is converted
to HTML (file insertion and raw off, messages silenced) and every `expected`, whitespace
collapsed, must occur exactly once in the visible text of the whole converted corpus and never
inside a literal or code block (<pre>), so that it is prose a reader sees, not code.
Prints OK or PROBLEMS.
"""
import os
import sys

B = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(B))
from setcheck import RST_MARKUP, check, rst_checks  # noqa: E402

SITE = '/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages'
# corpus file -> (source path on the dev machine, gzipped?)
SOURCES = {
    'numpy-ma-readme.rst': (SITE + '/numpy/ma/README.rst', False),
    'cmake-qt.rst': ('/usr/share/cmake-3.25/Help/manual/cmake-qt.7.rst', False),
    'yq-readme.rst': ('/usr/share/doc/yq/README.rst.gz', True),
    'setuptools-build-meta.rst': ('/usr/share/doc/python3-setuptools/build_meta.rst.gz', True),
}
PER_FILE_QUESTIONS = 10
PER_FILE_DIALOGUES = (2, 3)


sys.exit(0 if check(B, SOURCES, None, None, N_ANS=(40, 40), N_UNANS=(10, 10),
                    NEED_EXTS=(('.rst', 4),), TOTAL_SIZE=(30_000, 80_000),
                    MARKUP={'.rst': RST_MARKUP}, MIN_PER_DOC=PER_FILE_QUESTIONS,
                    DIALOGUES={'N_ANS': (10, 10), 'N_UNANS': (2, 2), 'TURNS': (2, 2)},
                    EXTRA=rst_checks(B, PER_FILE_QUESTIONS, PER_FILE_DIALOGUES)) else 1)
