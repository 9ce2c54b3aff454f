"""Validator for the rstdev development set (adapted from tests/eval/fresh11/validate.py).

A DEVELOPMENT set, not a blind one: its misses may be read and its results recorded freely.
Its corpus is reStructuredText only: four real .rst documents from four packages (one copied as
it is from awscli's topic pages, three gunzipped from Debian's .rst.gz), no hand-built FAQ file.

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

This set's own further checks (EXTRA): exactly 10 answerable questions per file and 2-3
answerable dialogues per file; and, when docutils can be imported, each .rst file is converted
to HTML (file insertion and raw off, messages silenced) and every `expected`, whitespace
collapsed, must occur exactly once in the visible text of the whole converted corpus and never
inside a literal or code block (<pre>), so that it is prose a reader sees, not code.
Prints OK or PROBLEMS.
"""
import glob
import html
import json
import os
import re
import sys

B = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(B))
from setcheck import check, norm  # noqa: E402

SITE = '/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages'
# corpus file -> (source path on the dev machine, gzipped?)
SOURCES = {
    'awscli-config-vars.rst': (SITE + '/awscli/topics/config-vars.rst', False),
    'nghttp2-doc-readme.rst': ('/usr/share/doc/libnghttp2-14/README.rst.gz', True),
    'oauthlib-readme.rst': ('/usr/share/doc/python3-oauthlib/README.rst.gz', True),
    'lazr-restfulclient-caching.rst': ('/usr/share/doc/python3-lazr.restfulclient/caching.rst.gz', True),
}
RST_MARKUP = set('`*_|:<>[]{}&\\')
PER_FILE_QUESTIONS = 10
PER_FILE_DIALOGUES = (2, 3)


def expecteds(path, key):
    """[(line number, expected text)] of the lines whose `expected` is a string."""
    out = []
    with open(path, encoding='utf-8') as f:
        for i, line in enumerate(f, 1):
            try:
                d = json.loads(line)
            except ValueError:
                continue   # setcheck reports it
            if isinstance(d, dict) and isinstance(d.get('expected'), str):
                out.append((i, d['expected']))
    return out


def rendered(path):
    """(visible text outside <pre>, text inside <pre>) of an .rst file converted by docutils,
    whitespace collapsed; None when docutils is not installed."""
    try:
        from docutils.core import publish_parts
    except ImportError:
        return None
    with open(path, encoding='utf-8') as f:
        src = f.read()
    body = publish_parts(src, writer_name='html', settings_overrides={
        'report_level': 5, 'halt_level': 5, 'file_insertion_enabled': False,
        'raw_enabled': False, 'warning_stream': False, '_disable_config': True})['body']
    pre = re.findall(r'(?is)<pre\b[^>]*>(.*?)</pre>', body)
    body = re.sub(r'(?is)<pre\b[^>]*>.*?</pre>', ' ', body)
    text = lambda t: norm(html.unescape(re.sub(r'<[^>]*>', '', t)))
    return text(body), text(' '.join(pre))


def extra(bad):
    C = os.path.join(B, 'corpus')
    raw = {}
    for p in sorted(glob.glob(C + '/*')):
        with open(p, encoding='utf-8') as f:
            raw[os.path.basename(p)] = f.read()
    conv = {n: rendered(os.path.join(C, n)) for n in raw}
    have_docutils = all(v is not None for v in conv.values())
    if not have_docutils:
        print('note: docutils not installed, rendered-text checks skipped')
    for fname, label, limits in (('questions.jsonl', 'LINE', (PER_FILE_QUESTIONS, PER_FILE_QUESTIONS)),
                                 ('dialogues.jsonl', 'dialogues LINE', PER_FILE_DIALOGUES)):
        per = {n: 0 for n in raw}
        for i, e in expecteds(os.path.join(B, fname), None):
            where = [n for n, t in raw.items() if e in t]
            if len(where) == 1:
                per[where[0]] += 1
            if RST_MARKUP & set(e):
                bad(label, i, 'reStructuredText markup character', ''.join(sorted(RST_MARKUP & set(e))), e)
            if have_docutils:
                ne = norm(e)
                seen = sum(v[0].count(ne) for v in conv.values())
                in_pre = sum(v[1].count(ne) for v in conv.values())
                if seen != 1: bad(label, i, f'{seen} occurrences in the converted text', e)
                if in_pre: bad(label, i, 'inside a literal/code block once converted', e)
        print(fname, 'per file:', per)
        lo, hi = limits
        for n, c in per.items():
            if not lo <= c <= hi: bad(fname, 'answerable for', n, c, 'not in', limits)
    print('rendered-text checks', 'done' if have_docutils else 'skipped')


sys.exit(0 if check(B, SOURCES, None, None, N_ANS=(40, 40), N_UNANS=(10, 10),
                    NEED_EXTS=(('.rst', 4),), TOTAL_SIZE=(30_000, 80_000),
                    MARKUP={'.rst': RST_MARKUP}, MIN_PER_DOC=PER_FILE_QUESTIONS,
                    DIALOGUES={'N_ANS': (10, 10), 'N_UNANS': (2, 2), 'TURNS': (2, 2)},
                    EXTRA=extra) else 1)
