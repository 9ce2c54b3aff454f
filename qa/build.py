"""Keeping the index in step with the corpus: is it current, what changed, and an incremental build.

A document whose bytes are unchanged keeps its parsed passages and its vectors from the previous
index; only added and changed documents are parsed, and of their texts only those the previous
index did not hold are split into sentences and embedded (an edited paragraph, not its whole
file); deleted documents are dropped. The model is loaded only when something has to be embedded.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from qa import alternates, retrieve, selfcal
from qa.config import Settings
from qa.corpus import PARSER_VERSION, SUFFIXES, CorpusError, Document, corpus_files, file_sha256, load_document, unique_ids
from qa.embed import model_fingerprint, model_name
from qa.errors import IndexError_, QAError
from qa.index import Index

Log = Callable[[str], None]


def stderr_log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@dataclass
class Changes:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # added or changed, but with nothing to index (warned)

    def drop_skipped(self, indexed: set[str]) -> None:
        """Documents found but not indexed (unreadable, no text) are not "added"; a changed one that
        is no longer indexed was removed from the index."""
        self.skipped = sorted(x for x in self.added + self.changed if x not in indexed)
        self.removed = sorted(self.removed + [x for x in self.changed if x not in indexed])
        self.added = [x for x in self.added if x in indexed]
        self.changed = [x for x in self.changed if x in indexed]

    @property
    def any(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def summary(self) -> str:
        parts = [f"{len(v)} {k}" for k, v in (("added", self.added), ("changed", self.changed),
                                              ("removed", self.removed), ("unchanged", self.unchanged),
                                              ("skipped", self.skipped)) if v]
        return ", ".join(parts) or "no documents"


def model_info(settings: Settings) -> dict:
    path = settings.model_path()
    return {"model": model_name(path), "model_path": path, "model_fingerprint": model_fingerprint(path)}


def scan(corpus: Path, skipped: list[str] | None = None, other: Counter | None = None,
         index: Path | None = None) -> dict[str, str]:
    """Document id -> sha256 of the file's bytes, for every candidate file of the corpus (not those
    of an index folder inside it)."""
    return {f.relative_to(corpus).as_posix(): file_sha256(f) for f in corpus_files(corpus, skipped, other, index)}


def other_types(other: Counter) -> str:
    """One line on the files left out for their type, most common first: a folder of .adoc files
    beside the Markdown is not read, and the user should hear it once, in a build."""
    if not other:
        return ""
    common = sorted(other.items(), key=lambda kv: (-kv[1], kv[0] == "", kv[0]))[:5]
    kinds = ", ".join(f"{suffix or 'no extension'} {n}" for suffix, n in common)
    more = f" and {len(other) - 5} more types" if len(other) > 5 else ""
    total = sum(other.values())
    return (f"note: {total} file{'s' if total != 1 else ''} of types qa does not read left out ({kinds}{more}); "
            f"it reads {', '.join(SUFFIXES)}.")


def check_index_folder(folder: Path) -> None:
    """An index folder that is a file, or that cannot be made, fails now, as one line, not after a
    whole build."""
    if (folder / "CURRENT").is_dir():
        raise QAError(f"'{folder / 'CURRENT'}' is a folder; an index names its build in a file of that name. "
                      "Remove it, or pass --index DIR (env QA_INDEX) naming another folder.")
    for path in (folder, folder / "builds"):
        if path.exists() and not path.is_dir():
            raise QAError(f"'{path}' is a file, not an index folder. Pass --index DIR (env QA_INDEX) naming a folder.")
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise QAError(f"Cannot make the index folder '{path}': {e.strerror or e}. "
                          "Pass --index DIR (env QA_INDEX) naming a folder that can be written.") from None


def cannot_write(folder: Path) -> str:
    """Why a build cannot be saved into the index folder (read-only file system, another user's
    folder), found by writing a file there, not after a whole build; "" when it can."""
    import os
    import tempfile

    for where in (folder, folder / "builds"):  # a build goes to builds/, its name to CURRENT beside it
        try:
            fd, probe = tempfile.mkstemp(prefix=".probe-", dir=where)
            os.close(fd)
            os.unlink(probe)
        except OSError as e:
            return e.strerror or str(e)
    return ""


def changes(previous: Index | None, files: dict[str, str]) -> Changes:
    old = {d.id: d.sha256 for d in previous.docs} if previous is not None else {}
    c = Changes()
    for doc_id, sha in files.items():
        (c.unchanged if old.get(doc_id) == sha else c.changed if doc_id in old else c.added).append(doc_id)
    c.removed = sorted(set(old) - set(files))
    return c


def load_previous(settings: Settings, info: dict) -> tuple[Index | None, str]:
    """The index on disk if it was made with this model and format, and why not otherwise."""
    if not (settings.index / "CURRENT").exists():
        return None, f"there is no index in '{settings.index}' yet"
    try:
        index = Index.load(settings.index)
    except IndexError_ as e:
        reason = str(e).rstrip(".")
        return None, reason[:1].lower() + reason[1:]  # it follows "Building the index: "
    if index.manifest.get("model_fingerprint") != info["model_fingerprint"]:
        return None, "the embedding model changed since the index was built"
    return index, ""


ALTERNATES_CHANGED = "the alternates files changed since the index was built"
PARSE_PROGRESS = 20  # documents to read (parse) before a build shows a progress bar on a terminal


def current(settings: Settings) -> tuple[Index | None, Index | None, str]:
    """(index ready to serve, or None; the previous index worth reusing, or None; why it is not ready)."""
    files = scan(settings.corpus, index=settings.index)  # a missing or empty corpus is the error to report first
    check_index_folder(settings.index)
    previous, reason = load_previous(settings, model_info(settings))
    if previous is None:
        return None, None, reason
    if previous.manifest.get("files_sha") != {k: files[k] for k in sorted(files)}:
        return None, previous, "the corpus changed since the index was built"
    if previous.manifest.get("alternates_sha", "") != alternates.fingerprint(settings.corpus):
        return None, previous, ALTERNATES_CHANGED
    if previous.manifest.get("parser") != PARSER_VERSION:
        return None, previous, "qa splits documents into passages differently since the index was built"
    if previous.manifest.get("scoring") != scoring_version():
        return None, previous, "qa scores answers differently since the index was built"
    return previous, previous, ""


def scoring_version() -> str:
    """What the null scores of an index depend on: the scoring formula and weights, and how
    qa.selfcal summarises them."""
    return f"{retrieve.SCORING_VERSION}/{selfcal.VERSION}"


def ensure(settings: Settings, log: Log = stderr_log, embedder=None) -> Index:
    """The index for the corpus as it is now: the one on disk if current, else built, saying why in one line.
    When only the alternates files changed and one of them is broken, the index on disk is kept: it
    holds the phrasings that worked (a rebuild would drop them all until the file is fixed)."""
    index, previous, reason = current(settings)
    if index is None and previous is not None and reason == ALTERNATES_CHANGED:
        try:
            alternates.load(settings.corpus)
        except QAError as e:
            log(f"warning: {e} The index keeps the alternates it was built with until it is fixed.")
            return previous
    if index is None and (problem := cannot_write(settings.index)):
        if previous is None:
            raise QAError(f"Cannot build the index: the index folder '{settings.index}' cannot be written "
                          f"({problem}). Pass --index DIR (env QA_INDEX) naming a folder that can be written.")
        log(f"warning: the index is out of date ({reason}), but the index folder '{settings.index}' cannot be "
            f"written ({problem}); answering from the index as it was built.")
        return previous
    if index is None:
        log(f"Building the index: {reason}.")
        index = update(settings, previous, lambda: embedder or build_model(settings), log, warn=log, writable=True)
    return index


def bring_up_to_date(settings: Settings, embedder_factory: Callable[[], object], log: Log = stderr_log,
                     warn: Log = stderr_log, full: bool = False, quiet: bool = False) -> Index:
    """`qa index`'s work: nothing when the index is current (saying so unless `quiet`), else one line
    on why, then the incremental (or `full`) build, which says what it did. Asked for by hand (not
    by `ensure`), a broken alternates file fails before anything is built: the index in use keeps
    the phrasings it has."""
    ready, previous, reason = current(settings)
    if ready is not None and not full:
        if not quiet:
            from qa.render import plural

            log(f"The index in {settings.index} is up to date: {plural(ready.manifest['documents'], 'document')}, "
                f"{plural(ready.manifest['passages'], 'passage')}. Nothing to do.")
        return ready
    alternates.load(settings.corpus)
    log(f"Updating the index: {'a full rebuild was asked for' if full else reason}.")
    return update(settings, None if full else previous, embedder_factory, log=log, warn=warn)


def update(settings: Settings, previous: Index | None, embedder_factory: Callable[[], object],
           log: Log = stderr_log, warn: Log = stderr_log, writable: bool = False) -> Index:
    """Build the index for the corpus as it is now, reusing `previous` where documents are unchanged.
    `writable`: the caller has just found that the index folder can be written (ensure)."""
    t0 = time.perf_counter()
    info = model_info(settings)
    skipped: list[str] = []
    other: Counter = Counter()
    files = scan(settings.corpus, skipped, other, settings.index)
    check_index_folder(settings.index)
    if not writable and (problem := cannot_write(settings.index)):
        raise QAError(f"Cannot build the index: the index folder '{settings.index}' cannot be written ({problem}). "
                      "Pass --index DIR (env QA_INDEX) naming a folder that can be written.")
    for reason in skipped:
        warn(f"warning: skipped {reason}.")
    if note := other_types(other):
        warn(note)
    c = changes(previous, files)
    # documents parsed by another version of qa's splitting are parsed again (vectors of texts
    # that come out the same are still reused by Index.build)
    same_parser = previous is not None and previous.manifest.get("parser") == PARSER_VERSION
    keep = set(c.unchanged) if same_parser else set()
    # an edited document is parsed again, but the sentence splits of its unchanged text are reused
    todo, say = [doc_id for doc_id in files if doc_id not in keep], warn
    if sys.stderr.isatty() and len(todo) > PARSE_PROGRESS:  # a long PDF takes a second or more
        from tqdm.auto import tqdm

        todo = tqdm(todo, desc="Reading", unit="doc", leave=False)

        def say(line: str) -> None:  # above the bar, not through it
            with tqdm.external_write_mode(file=sys.stderr):
                warn(line)
    parsed = {doc_id: parse(settings.corpus / doc_id, doc_id, say, settings.corpus,
                            previous.splits_of(doc_id) if same_parser else None) for doc_id in todo}
    docs = [reuse(previous, doc_id, settings.corpus) if doc_id in keep else parsed[doc_id] for doc_id in files]
    docs = unique_ids([d for d in docs if d is not None], warn)
    alts = load_alternates(settings.corpus, warn)
    docs = [with_phrasings(d, alts) for d in docs]
    c.drop_skipped({d.id for d in docs})
    for key in alts.unmatched(p for d in docs for p in d.passages):
        warn(f"warning: {key} names no FAQ question or passage; its phrasings are not used.")
    if not docs:
        raise CorpusError(f"No document in '{settings.corpus}' has text to index. "
                          "Add .md, .txt, .html, .rst, .pdf, .docx, .jsonl or .csv files.")
    embedder = None

    def embed(texts: list[str]):
        nonlocal embedder
        embedder = embedder or embedder_factory()
        return embedder.embed(texts, progress=sys.stderr.isatty() and len(texts) > 256)

    index, embedded = Index.build(docs, embed, {**info, "files_sha": {k: files[k] for k in sorted(files)},
                                                "alternates_sha": alts.sha256}, previous)
    index.manifest["null_scores"] = selfcal.null_stats(index)  # measured with this version's scoring
    index.manifest["scoring"] = scoring_version()
    index.manifest["parser"] = PARSER_VERSION
    index.save(settings.index)
    if settings.query_runtime == "onnx":
        export_query_model(settings, warn)
    graph = (f"; HNSW graph extended, {index.manifest['ann_dead']} dead entries" if index.ann_rows is not None
             else "; HNSW graph built" if index.manifest["index_type"] == "hnsw" else "")
    from qa.render import plural

    log(f"Indexed {plural(len(docs), 'document')}, {plural(len(index.passages), 'passage')} into {settings.index} "
        f"in {time.perf_counter() - t0:.1f} s ({c.summary()}; {plural(embedded, 'unit')} embedded{graph}).")
    return index


def load_alternates(corpus: Path, warn: Log) -> alternates.Alternates:
    """The corpus's alternates files; a broken one is reported and the build goes on without them."""
    try:
        return alternates.load(corpus)
    except QAError as e:
        warn(f"warning: {e} Alternates are not used until it is fixed.")
        return alternates.Alternates()


def with_phrasings(doc: Document, alts: alternates.Alternates) -> Document:
    if not alts:
        return doc
    return replace(doc, passages=tuple(replace(p, phrasings=tuple(alts.phrasings(p))) for p in doc.passages))


def parse(path: Path, doc_id: str, warn: Log, corpus: Path | None = None, known: dict | None = None) -> Document | None:
    if corpus is not None and not path.resolve().is_relative_to(corpus.resolve()):  # swapped for a link since the scan
        warn(f"warning: skipped '{path}': it links outside the corpus folder.")
        return None
    try:
        doc = load_document(path, doc_id, warn, known)
    except CorpusError as e:
        warn(f"warning: skipped {e}")
        return None
    except Exception as e:  # a parser's own failure on one odd file must not stop the whole build
        warn(f"warning: skipped '{path}': it could not be parsed ({type(e).__name__}: {e}).")
        return None
    if not doc.passages:
        warn(f"warning: '{path}' has no text to index; skipped.")
        return None
    return doc


def reuse(previous: Index, doc_id: str, corpus: Path) -> Document:
    info = previous.doc_by_id[doc_id]
    passages = tuple(previous.passages_of(doc_id))
    return Document(id=doc_id, path=corpus / doc_id, title=info.title, text=info.text, passages=passages,
                    sha256=info.sha256, splits=previous.splits_of(doc_id), pages=info.pages)


def onnx_dir(settings: Settings) -> Path:
    return settings.index / "onnx"


def export_query_model(settings: Settings, warn: Log = stderr_log) -> bool:
    """Export the model to ONNX beside the builds unless a matching export is there already."""
    from qa.errors import ModelError
    from qa.onnx_embed import ensure_onnx

    try:
        ensure_onnx(settings.model_path(), onnx_dir(settings))
        return True
    except ModelError as e:
        warn(f"warning: {e}; questions will be embedded with sentence-transformers.")
        return False


def query_model(settings: Settings, warn: Log = stderr_log):
    """The fast query embedder: the model exported to ONNX once (per model fingerprint) beside the
    index builds. Falls back to sentence-transformers, with a warning, if the export fails."""
    from qa.embed import Embedder
    from qa.onnx_embed import OnnxEmbedder, ensure_onnx
    from qa.errors import ModelError

    path = settings.model_path()
    if settings.query_runtime == "onnx":
        try:
            return OnnxEmbedder(ensure_onnx(path, onnx_dir(settings)))
        except ModelError as e:
            warn(f"warning: {e}; questions are embedded with sentence-transformers instead.")
    return Embedder(path)


def build_model(settings: Settings):
    """What embeds passages in a build: the ONNX export when one matches the model (faster, same
    vectors), else sentence-transformers, the reference."""
    from qa.embed import Embedder
    from qa.onnx_embed import OnnxEmbedder, is_current

    if settings.query_runtime == "onnx" and is_current(onnx_dir(settings), settings.model_path()):
        return OnnxEmbedder(onnx_dir(settings))
    return Embedder(settings.model_path())
