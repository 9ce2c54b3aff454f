"""`qa index --watch`: keep the index in step with the corpus folder while its files change.

watchfiles (MIT; Rust's notify underneath: inotify on Linux, FSEvents on macOS,
ReadDirectoryChangesW on Windows, polling where none of them works or with
WATCHFILES_FORCE_POLLING=1) reports the changes to a folder in batches, once it has been quiet
for DEBOUNCE_MS: saving ten files, or an editor's write-to-a-temporary-then-rename, is one update.
Only changes to what qa reads count (`relevant`): documents of a known type and alternates files,
not hidden, not inside the index folder. Each update is `qa index`'s incremental build,
published atomically, and a running `qa serve` switches to the new build by itself (its index
watcher). An update that fails (a broken alternates file, a corpus left without documents) is
reported and the watch goes on; the index in use stays as it was.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from qa.alternates import is_alternates_file
from qa.config import Settings
from qa.corpus import SUFFIXES
from qa.errors import CorpusError, QAError

DEBOUNCE_MS = 500  # a batch ends after this long without a change (watchfiles' default is 1,600)
WAKE_MS = 1000


def relevant(settings: Settings) -> Callable[[object, str], bool]:
    """watchfiles' filter: whether a changed path can change the index. A path without a suffix
    counts (a folder moved in or out takes its documents with it); what it does not change, the
    update finds unchanged and says nothing."""
    corpus, index = settings.corpus.resolve(), settings.index.resolve()

    def keep(_change: object, path: str) -> bool:
        p = Path(path)
        if p == index or index in p.parents:
            return False
        try:
            rel = p.relative_to(corpus)
        except ValueError:
            return False
        if any(part.startswith(".") for part in rel.parts):
            return False
        return p.suffix.lower() in SUFFIXES or is_alternates_file(p) or not p.suffix

    return keep


def watch(settings: Settings, update: Callable[[], None], warn: Callable[[str], None],
          stop: threading.Event | None = None, debounce_ms: int = DEBOUNCE_MS) -> None:
    """Call `update` once the watch is set up (for what changed before it was), then after each batch
    of relevant changes, until `stop` is set (or KeyboardInterrupt). An update's QAError is reported through
    `warn` and the watch goes on; a corpus folder that is gone ends it (CorpusError)."""
    from watchfiles import watch as batches

    corpus, first = settings.corpus.resolve(), True
    # the watcher wakes every WAKE_MS without changes too: to catch up once it is set up, and to
    # notice a corpus folder deleted whole (its watch then reports nothing more)
    for changes in batches(corpus, watch_filter=relevant(settings), debounce=debounce_ms, stop_event=stop,
                           rust_timeout=WAKE_MS, yield_on_timeout=True):  # Ctrl-C: KeyboardInterrupt, the caller's
        if not corpus.is_dir():
            break
        if changes or first:
            first = False
            try:
                update()
            except QAError as e:
                warn(f"{e} The index in use is unchanged; still watching.")
    if not corpus.is_dir() and not (stop is not None and stop.is_set()):
        raise CorpusError(f"The corpus folder '{settings.corpus}' is gone; stopped watching.")


def keep_current(settings: Settings, log: Callable[[str], None], warn: Callable[[str], None],
                 stop: threading.Event | None = None) -> None:
    """`watch` with `qa index`'s update (qa.build.bring_up_to_date, saying nothing when nothing
    changed); the embedding model is loaded once, when something is first to be embedded."""
    from functools import cache

    from qa import build

    model = cache(lambda: build.build_model(settings))
    watch(settings, lambda: build.bring_up_to_date(settings, model, log, warn, quiet=True), warn, stop)
