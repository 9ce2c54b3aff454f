"""`qa index --watch`: keep the index in step with the corpus folder while its files change.

watchfiles (MIT; Rust's notify underneath: inotify on Linux, FSEvents on macOS,
ReadDirectoryChangesW on Windows, polling where none of them works or with
WATCHFILES_FORCE_POLLING=1) reports the changes to a folder in batches, each once the folder has
been quiet for QUIET_MS: saving ten files, or an editor's write-to-a-temporary-then-rename, is one
update. Only changes that can matter to qa count (`relevant`): documents of a known type,
alternates files, folders, and paths that are gone (a folder moved out); not hidden files, not
the index folder. Each update is `qa index`'s incremental build, published atomically, and a
running `qa serve` switches to the new build by itself (its index watcher).

It goes on through what a folder's life brings: an update that fails (a broken alternates file,
no documents left, a folder deleted while it was read) is one line and the next change tries
again; a file name that is not UTF-8 or a folder it may not read is left out, as `qa index`
leaves them; a corpus folder replaced by another (restored from a copy, a symlink pointed at the
next release) is watched anew. A corpus folder that is gone ends the watch.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from qa.alternates import is_alternates_file
from qa.config import Settings
from qa.corpus import SUFFIXES
from qa.errors import CorpusError, QAError

QUIET_MS = 500  # a batch ends once the folder has been quiet this long (watchfiles' `step`)
LONGEST_MS = 10_000  # ... or has lasted this long, for a folder that never rests (`debounce`)
WAKE_MS = 1000  # without changes, the watch looks at the corpus folder itself this often


def relevant(settings: Settings) -> Callable[[object, str], bool]:
    """watchfiles' filter: whether a changed path can change the index. A folder counts (moved in or
    out, it takes its documents with it), and so does a path that is gone (it may have been one); a
    change that turns out to change nothing is an update that finds the index current and says
    nothing."""
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
        return (p.suffix.lower() in SUFFIXES or is_alternates_file(p) or not p.suffix or p.is_dir()
                or not os.path.lexists(p))

    return keep


def identity(folder: Path) -> tuple | None:
    """What the corpus path names now (a folder replaced, or a link pointed elsewhere, is another)."""
    try:
        st = folder.stat()
    except OSError:
        return None
    return (os.path.realpath(folder), st.st_dev, st.st_ino) if folder.is_dir() else None


def watch(settings: Settings, update: Callable[[], None], warn: Callable[[str], None],
          stop: threading.Event | None = None, quiet_ms: int = QUIET_MS) -> None:
    """Call `update` once the watch is set up (for what changed before it was), then after each batch
    of relevant changes, until `stop` is set (or KeyboardInterrupt). An update's error (QAError, or
    an OSError such as a folder deleted while it was read) is reported through `warn` and the watch
    goes on; a corpus folder that is gone ends it (CorpusError)."""
    from watchfiles import watch as batches

    while not (stop is not None and stop.is_set()):
        now = identity(settings.corpus)
        if now is None:
            raise CorpusError(f"The corpus folder '{settings.corpus}' is gone; stopped watching.")
        first = True
        try:
            # the watcher wakes every WAKE_MS without changes too: to catch up once it is set up, and
            # to notice the corpus folder deleted or replaced (its watch then reports nothing more)
            for changes in batches(now[0], watch_filter=relevant(settings), step=quiet_ms, debounce=LONGEST_MS,
                                   stop_event=stop, rust_timeout=WAKE_MS, yield_on_timeout=True,
                                   ignore_permission_denied=True):  # Ctrl-C: KeyboardInterrupt, the caller's
                if identity(settings.corpus) != now:
                    break  # gone, or another folder: watched anew (or ended) above
                if changes or first:
                    first = False
                    attempt(update, warn)
        except (RuntimeError, OSError) as e:  # watchfiles: a name that is not UTF-8, a folder it cannot read
            warn(f"the watch stopped ({e}); watching the corpus folder again.")
            stop_wait = stop.wait if stop is not None else threading.Event().wait
            stop_wait(WAKE_MS / 1000)


def attempt(update: Callable[[], None], warn: Callable[[str], None]) -> None:
    try:
        update()
    except QAError as e:
        warn(f"{e} The index in use is unchanged; still watching.")
    except OSError as e:  # a file or folder gone while the update read the corpus: the next change tries again
        warn(f"the index was not updated ({e.strerror or e}: {e.filename}); still watching.")


def keep_current(settings: Settings, log: Callable[[str], None], warn: Callable[[str], None],
                 stop: threading.Event | None = None, notes: Callable[[str], None] | None = None) -> None:
    """`watch` with `qa index`'s update (qa.build.bring_up_to_date, saying nothing when nothing
    changed); the embedding model is loaded once, when something is first to be embedded.
    `notes` (default `warn`) takes the build's warnings; one the last update gave already (a
    note on files of types qa does not read) is not repeated on every change."""
    from functools import cache

    from qa import build

    model = cache(lambda: build.build_model(settings))
    said: set[str] = set()

    def update() -> None:
        nonlocal said
        now: set[str] = set()

        def once(line: str) -> None:
            now.add(line)
            if line not in said:
                (notes or warn)(line)

        try:
            build.bring_up_to_date(settings, model, log, once, quiet=True)
        finally:
            said = now

    watch(settings, update, warn, stop)
