"""The index: passages, their embedded units in FAISS, BM25, and a manifest; built, saved, loaded.

On disk an index folder holds `CURRENT` (the name of the build in use) and one folder per build:
    builds/<name>/vectors.npy     unit vectors: every sentence, every passage, every FAQ question
                                  (memory-mapped when loaded; exact search copies them into a
                                  FAISS flat index, at most ANN_THRESHOLD x 384 floats = 61 MB)
    builds/<name>/ann.faiss       the FAISS HNSW graph, only for large indexes (exact search below;
                                  memory-mapped when loaded, so processes share it)
    builds/<name>/ann_rows.npy    graph entry -> row of vectors.npy (-1: a unit no longer in the
                                  index), when the graph was carried over from the previous build
                                  and extended rather than rebuilt (see Index.build)
    builds/<name>/meta.json       documents (with the text offsets refer to) and passages
    builds/<name>/splits.json     each document's sentence splits by the text split (qa.corpus.Splits),
                                  read only by the next build, to re-split only what changed; a
                                  cache: its checksum is checked when it is read, and a damaged one
                                  only means everything is split again
    builds/<name>/manifest.json   format, model, dimension, file hashes of the corpus, counts,
                                  index type, checksums of the files above
A build is written to a temporary folder, fsynced, renamed into builds/ and only then named in
CURRENT (replaced atomically), so a crash at any point leaves the previous index in use.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

from qa.corpus import INLINE_MARKUP, MARKDOWN_SUFFIXES, Document, Passage
from qa.errors import IndexError_, UnknownDocument

# 2: null-score statistics (qa.selfcal); 3: curated phrasings (qa.alternates); 4: what was embedded
# is Markdown rendered to text, kept in meta.json ("readable"): an index of format 3 embedded the
# markup, so none of its vectors is reused
FORMAT_VERSION = 4
ANN_FILE = "ann.faiss"
ANN_ROWS_FILE = "ann_rows.npy"
SPLITS_FILE = "splits.json"
# An incremental build adds the new units to the previous HNSW graph (FAISS cannot remove from one);
# the entries of removed or changed units stay as dead entries until they exceed this share.
MAX_DEAD_SHARE = 0.25
ANN_THRESHOLD = 40_000  # units; exact search p50 is 1.4 ms at 30k, 6 ms at 100k (bench/scale.py)
# bench/scale.py at 1M synthetic vectors: efConstruction 160 + efSearch 256 -> p50 1.3 ms, recall@10 0.987
# (efConstruction 80: recall 0.924 at the same efSearch; the build takes ~2x as long with 160)
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 160, 256


@dataclass(frozen=True)
class DocInfo:
    id: str
    title: str
    text: str
    sha256: str
    pages: tuple[int, ...] = ()  # a PDF's: where each page begins in `text` (qa.corpus.Document.pages)

    def page_at(self, offset: int) -> int | None:
        """The page (from 1) that the character at `offset` is on; None for a document without pages."""
        return bisect.bisect_right(self.pages, offset) or 1 if self.pages else None


# between two sentences: a blank line, or a line break and a list marker: a new paragraph or item
_EOL = r"(?:\r\n|\r(?!\n)|\n)"  # a CRLF is one line end, never two
_PARAGRAPH_BREAK = re.compile(_EOL + r"[ \t]*(?:" + _EOL + r"|(?:[-*+]|\d{1,3}[.)])[ \t])")


def readable(p: Passage, text: str) -> str:
    """What a reader sees of the text of passage p: Markdown documents' inline markup rendered
    away (qa.markdown.plain); other formats are plain text already. Embedded and matched by words;
    citations keep the source as written."""
    if not p.doc_id.lower().endswith(MARKDOWN_SUFFIXES) or not INLINE_MARKUP.search(text):
        return text
    from qa.markdown import plain  # markdown-it is imported only for text that needs it

    return plain(text)


def raw_sentences(passages: list[Passage]) -> list[tuple[Passage, str]]:
    """Every sentence as written, with its passage, in unit order."""
    return [(p, p.text[s - p.start:e - p.start]) for p in passages for s, e in p.sentences]


def sentence_texts(passages: list[Passage], texts: Mapping[str, str] | None = None) -> list[str]:
    """Every sentence as embedded: readable, and a Markdown table's body row with its column names
    (qa.markdown.table_headers), found in `texts` (document id -> text; else in the passage's own
    text: a long table's later passages do not hold its header)."""
    out: list[str] = []
    headers: dict[str, dict[int, list[str]]] = {}  # document id -> its tables' rows, worked out once
    for p in passages:
        markdown = p.doc_id.lower().endswith(MARKDOWN_SUFFIXES) and "|" in p.text
        text, offset = (texts[p.doc_id], 0) if texts is not None else (p.text, p.start)
        for s, e in p.sentences:
            raw = p.text[s - p.start:e - p.start]
            head = None
            if markdown and "|" in raw:
                from qa.markdown import labelled_row, line_start, table_headers  # imported only when needed

                if p.doc_id not in headers:
                    headers[p.doc_id] = table_headers(text)
                at = line_start(text, s - offset)
                head = headers[p.doc_id].get(at) if not text[at:s - offset].strip(" \t>-*+.)0123456789") else None
            out.append(labelled_row(raw, head) if head is not None else readable(p, raw))
    return out


def unit_texts(passages: list[Passage], texts: Mapping[str, str] | None = None) -> tuple[list[str], np.ndarray]:
    """What gets embedded (see layout), and for each passage the unit number of its FAQ question
    (-1 if none). `texts`: document id -> text, where a table row's header is found."""
    return (layout(passages, sentence_texts(passages, texts), [readable(p, p.text) for p in passages]),
            question_units(passages))


def layout(passages: list[Passage], sentences: list[str], wholes: list[str]) -> list[str]:
    """The units in their order: every sentence, every passage whole (after its FAQ question),
    every FAQ question, then every curated phrasing (alternates files)."""
    whole = [f"{p.question}\n{t}" if p.question else t for p, t in zip(passages, wholes)]
    return [*sentences, *whole, *(p.question for p in passages if p.question),
            *(ph for p in passages for ph in p.phrasings)]


def question_units(passages: list[Passage]) -> np.ndarray:
    """For each passage, the unit number of its FAQ question in unit_texts' layout (-1 if none)."""
    qunit, n = np.full(len(passages), -1, np.int32), sum(len(p.sentences) for p in passages) + len(passages)
    for i, p in enumerate(passages):
        if p.question:
            qunit[i], n = n, n + 1
    return qunit


def phrasing_offsets(passages: list[Passage]) -> np.ndarray:
    """Passage i's phrasing units are rows first + offsets[i] .. first + offsets[i + 1]."""
    return np.concatenate([[0], np.cumsum([len(p.phrasings) for p in passages])]).astype(np.int32)


def unit_rows(passages: list[Passage]) -> dict[str, list[int]]:
    """Rows of each document's units in the order unit_texts lays them out."""
    n_sent = sum(len(p.sentences) for p in passages)
    rows: dict[str, list[int]] = {}
    sent = 0
    for i, p in enumerate(passages):
        rows.setdefault(p.doc_id, []).extend(range(sent, sent + len(p.sentences)))
        sent += len(p.sentences)
    for i, p in enumerate(passages):
        rows[p.doc_id].append(n_sent + i)
    q = n_sent + len(passages)
    for p in passages:
        if p.question:
            rows[p.doc_id].append(q)
            q += 1
    for p in passages:
        rows[p.doc_id].extend(range(q, q + len(p.phrasings)))
        q += len(p.phrasings)
    return rows


class Index:
    """Immutable once built: the server swaps whole Index objects, never edits one."""

    def __init__(self, manifest: dict, docs: list[DocInfo], passages: list[Passage], vectors: np.ndarray,
                 readable_texts: dict | None = None, embedded: tuple[list[str], list[str]] | None = None):
        """`readable_texts`: the sentence and passage texts that differ from the source as embedded
        (qa.index.readable), as meta.json keeps them; `embedded`: all of them, as a build worked them
        out (sentence texts, passage texts); worked out from the passages when neither is given."""
        self.manifest, self.docs, self.passages, self.vectors = manifest, docs, passages, vectors
        self.doc_by_id = {d.id: d for d in docs}
        self.passage_by_id = {p.id: p for p in passages}
        self.sentence_owner = np.array([i for i, p in enumerate(passages) for _ in p.sentences], np.int32)
        self.first_sentence = np.concatenate([[0], np.cumsum([len(p.sentences) for p in passages])]).astype(np.int32)
        self.n_sentences = len(self.sentence_owner)
        self.question_unit = question_units(passages)
        self.question_owner = np.flatnonzero(self.question_unit >= 0).astype(np.int32)  # question unit -> passage
        self.first_phrasing = self.n_sentences + len(passages) + len(self.question_owner)
        self.phrasing_offsets = phrasing_offsets(passages)
        self.phrasing_owner = np.repeat(np.arange(len(passages), dtype=np.int32), np.diff(self.phrasing_offsets))
        if embedded is not None:
            self.sentence_text, self.passage_text = embedded
        elif readable_texts is None:
            self.sentence_text = sentence_texts(passages, {d.id: d.text for d in docs})  # as embedded, not verbatim
            self.passage_text = [readable(p, p.text) for p in passages]
        else:  # loading: Markdown's inline markup was rendered away at build time, not again per load
            sents, whole = readable_texts.get("sentences", {}), readable_texts.get("passages", {})
            self.sentence_text = [sents.get(str(i), t) for i, (_, t) in enumerate(raw_sentences(passages))]
            self.passage_text = [whole.get(str(i), p.text) for i, p in enumerate(passages)]
        self._bm25: dict[str, object] = {}
        self._faiss = None
        self.build_dir: Path | None = None  # the build folder it was loaded from
        self.ann_rows: np.ndarray | None = None  # graph entry -> vectors row (-1: dead); None: the same
        self._ann_live: int | None = None  # live entries of ann_rows, counted on first search
        self._passage_terms: list[list[str]] | None = None
        self._vocabulary = None
        self._by_doc: dict[str, list[Passage]] | None = None
        self._openings: dict[str, list[int]] | None = None
        self.build_name = ""  # the build folder it was loaded from (set by load and save)
        self._splits: dict[str, dict] | None = None  # document id -> its Document.splits (read when asked)

    def embedded_texts(self) -> list[str]:
        """unit_texts(self.passages)[0], from the texts kept with the build (no Markdown parsing)."""
        return layout(self.passages, self.sentence_text, self.passage_text)

    def document_of(self, id_: str) -> DocInfo | None:
        """The document with this id, or the one holding the passage with this id."""
        if id_ in self.doc_by_id:
            return self.doc_by_id[id_]
        passage = self.passage_by_id.get(id_)
        return self.doc_by_id[passage.doc_id] if passage else None

    @property
    def faiss(self):
        """Inner-product search over all units (unit vectors: cosine); exact or HNSW by size."""
        if self._faiss is None:
            self._faiss = make_faiss(self.vectors, self.manifest.get("index_type", "flat"))
        return self._faiss

    def warm(self) -> Index:
        """Build the lazy parts now (a server does this once at start-up)."""
        self.faiss, self.bm25("passage"), self.bm25("sentence"), self.vocabulary
        return self

    def bm25(self, level: str):
        """BM25 over passages (with their heading path) or over single sentences, built on first use."""
        if level not in self._bm25:
            from qa.lexical import BM25, terms

            self._bm25[level] = BM25(self.passage_terms if level == "passage" else self.sentence_terms())
        return self._bm25[level]

    def sentence_terms(self) -> list[list[str]]:
        """What sentence-level BM25 counts: each sentence's terms, and for a sentence that goes on
        a paragraph or list item of prose, the terms of the sentence that opened it too. A paragraph
        names its topic once ("`$SYSTEMD_IMPORT_SYNC` takes a boolean…") and then says more about it
        without naming it ("If disabled, importing will be quicker, but not as safe."): those later
        sentences answer questions that name the topic. FAQ answers are left as they are (their
        question names the topic). Measured, answer precision: the article's dev2 0.644 -> 0.667,
        plain-text FAQs 0.725 -> 0.775, systemd/pip/coreutils docs (devdocs) 0.530 -> 0.561 (hit@1
        0.742 -> 0.773), READMEs 0.627 -> 0.642; Debian/npm/pip hit@1 0.603 -> 0.588; StackFAQ
        unchanged."""
        from qa.lexical import terms

        out: list[list[str]] = []
        k = 0
        for p in self.passages:
            text = self.doc_by_id[p.doc_id].text
            lead: list[str] = []
            for j, (a, _) in enumerate(p.sentences):
                own = terms(self.sentence_text[k])
                k += 1
                if j == 0 or p.question or _PARAGRAPH_BREAK.search(text, p.sentences[j - 1][1], a):
                    lead = own
                    out.append(own)
                else:
                    out.append(own + [t for t in lead if t not in own])
        return out

    @property
    def passage_terms(self) -> list[list[str]]:
        if self._passage_terms is None:
            from qa.lexical import terms

            self._passage_terms = [terms(f"{p.section}\n{p.question}\n{t}") for p, t in zip(self.passages, self.passage_text)]
        return self._passage_terms

    @property
    def vocabulary(self):
        if self._vocabulary is None:
            from qa.lexical import Vocabulary

            self._vocabulary = Vocabulary(self.passage_terms)
        return self._vocabulary

    def scope(self, doc_ids: list[str]) -> np.ndarray:
        """A mask over passages: those of the named documents. Unknown ids are the caller's error."""
        unknown = [d for d in doc_ids if d not in self.doc_by_id]
        if unknown:
            known = sorted(self.doc_by_id)
            listed = ", ".join(known[:5]) + (f" and {len(known) - 5} more" if len(known) > 5 else "")
            name = unknown[0] if len(unknown[0]) <= 100 else unknown[0][:100] + "…"
            raise UnknownDocument(f"No document '{name}' in the index. Its documents are {listed} "
                                  "(a document's id is its path in the corpus folder; GET /api/documents lists "
                                  "them all).")
        wanted = set(doc_ids)
        return np.array([p.doc_id in wanted for p in self.passages], dtype=bool)

    def passage_holding(self, text: str, scope: np.ndarray | None = None) -> int | None:
        """The passage an answer was given from: the one passage (of `scope`, a mask over passages,
        when given) whose text holds `text` verbatim from one of its sentences' starts, as every
        answer starts; None when none does, or when several do (an answer such as "Yes." that more
        than one FAQ entry gives names none of them). A prefix of an answer finds it too. Looked up
        by the text's first words (openings, built on the first follow-up: 40 ms for 20k passages),
        so it costs about the same on any corpus."""
        text = text.strip()
        words = text.split(maxsplit=2)
        if not words:
            return None
        table = self.openings()
        rows = table.get(" ".join(words[:2]), []) + (table.get(words[0], []) if len(words) > 1 else [])
        found = {i for i in rows if (scope is None or scope[i]) and text in self.passages[i].text}
        return found.pop() if len(found) == 1 else None

    def openings(self) -> dict[str, list[int]]:
        """How the sentences of the passages open -> the passages: a sentence's first two words
        (its only word when it has one: "libvirt", "Yes."), the passage's own start included;
        built on first use."""
        if self._openings is None:
            out: dict[str, list[int]] = {}
            for i, p in enumerate(self.passages):
                text = self.doc_by_id[p.doc_id].text
                for a, b in ((p.start, p.sentences[0][1] if p.sentences else p.end), *p.sentences):
                    words = text[a:b].split(maxsplit=2)
                    if words:
                        rows = out.setdefault(" ".join(words[:2]), [])
                        if not rows or rows[-1] != i:
                            rows.append(i)
            self._openings = out  # assigned whole: a concurrent request sees none or all of it
        return self._openings

    def passages_of(self, doc_id: str) -> list[Passage]:
        if self._by_doc is None:
            by_doc: dict[str, list[Passage]] = {}
            for p in self.passages:
                by_doc.setdefault(p.doc_id, []).append(p)
            self._by_doc = by_doc  # assigned whole: a concurrent request sees none or all of it
        return self._by_doc.get(doc_id, [])

    def splits_of(self, doc_id: str) -> dict:
        """The sentence splits the document's text had in this build (qa.corpus.Splits); empty when
        the build kept none (made before they were kept) or they cannot be read: they only save time."""
        if self._splits is None:
            self._splits = {}
            path = self.build_dir / SPLITS_FILE if self.build_dir is not None else None
            digest = (self.manifest.get("cache_files") or {}).get(SPLITS_FILE)
            if path is not None and digest:
                try:
                    raw = path.read_bytes()
                    data = json.loads(raw) if hashlib.sha256(raw).hexdigest() == digest else None
                    if isinstance(data, dict):
                        self._splits = {k: v for k, v in data.items() if isinstance(v, dict)}
                except (OSError, ValueError):
                    pass  # damaged or gone (pruned by a newer build): everything is split again
        return self._splits.get(doc_id, {})

    def unit_rows(self) -> dict[str, list[int]]:
        """For each document, the rows of its units in `vectors`, in a fixed per-document order."""
        return unit_rows(self.passages)

    @classmethod
    def build(cls, documents: list[Document], embed: Callable[[list[str]], np.ndarray], model_info: dict,
              previous: Index | None = None) -> tuple[Index, int]:
        """A new index; units of documents that `previous` holds unchanged (same bytes) are copied,
        and so are the vectors of texts it embedded; the rest is embedded with `embed`, each distinct
        text once. Returns the index and how many texts were embedded."""
        passages = [p for d in documents for p in d.passages]
        if not passages:
            raise IndexError_("The corpus has no text to index: every document is empty.")
        sentences = sentence_texts(passages, {d.id: d.text for d in documents})
        wholes = [readable(p, p.text) for p in passages]
        texts = layout(passages, sentences, wholes)
        rows = unit_rows(passages)
        old = {d.id: d.sha256 for d in previous.docs} if previous is not None else {}
        old_rows = previous.unit_rows() if previous is not None else {}
        old_texts = previous.embedded_texts() if previous is not None else []
        keep = {d.id for d in documents if old.get(d.id) == d.sha256
                and [old_texts[r] for r in old_rows[d.id]] == [texts[r] for r in rows[d.id]]}
        todo = [r for d in documents if d.id not in keep for r in rows[d.id]]  # new rows: new graph entries
        # a text the previous build embedded (an unchanged sentence of an edited document) keeps its
        # vector, and a text that occurs twice is embedded once: editing one paragraph of a long
        # document embeds that paragraph, not the whole document again
        known = {t: r for r, t in enumerate(old_texts)} if todo else {}
        wanted = list(dict.fromkeys(texts[r] for r in todo if texts[r] not in known))
        fresh = embed(wanted) if wanted else None
        dim = fresh.shape[1] if fresh is not None else previous.vectors.shape[1]
        vectors = np.empty((len(texts), dim), dtype=np.float32)
        moved = np.full(len(previous.vectors) if previous is not None else 0, -1, np.int64)  # old row -> new row
        for doc_id in keep:
            vectors[rows[doc_id]] = previous.vectors[old_rows[doc_id]]
            moved[old_rows[doc_id]] = rows[doc_id]
        if todo:
            row_of = {t: i for i, t in enumerate(wanted)}
            vectors[todo] = np.stack([fresh[row_of[texts[r]]] if texts[r] in row_of else previous.vectors[known[texts[r]]]
                                      for r in todo])
        docs = [DocInfo(d.id, d.title, d.text, d.sha256, tuple(d.pages)) for d in documents]
        manifest = {"format": FORMAT_VERSION, **model_info, "dimension": dim,
                    "documents": len(docs), "passages": len(passages), "units": len(texts),
                    "index_type": index_type(len(texts)), "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        index = cls(manifest, docs, passages, vectors, embedded=(sentences, wholes))
        index._splits = {d.id: dict(d.splits) for d in documents}
        if manifest["index_type"] == "hnsw" and previous is not None and previous.manifest.get("index_type") == "hnsw":
            index.extend_graph(previous, moved, todo)
        return index, len(wanted)

    def extend_graph(self, previous: Index, moved: np.ndarray, todo: list[int]) -> None:
        """Reuse the previous build's HNSW graph: its entries are remapped to this build's rows (dead
        where their unit is gone) and the newly embedded units added, instead of building the graph
        again (minutes at a few hundred thousand units). Above MAX_DEAD_SHARE dead entries the graph
        is left to be rebuilt whole."""
        old_map = previous.ann_rows if previous.ann_rows is not None else np.arange(len(previous.vectors))
        carried = np.where(old_map >= 0, moved[np.maximum(old_map, 0)], -1)
        entries = np.concatenate([carried, np.asarray(todo, dtype=np.int64)])
        if (entries < 0).mean() > MAX_DEAD_SHARE:
            return
        graph = owned_graph(previous)
        graph.hnsw.efConstruction, graph.hnsw.efSearch = HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH
        if todo:
            graph.add(np.ascontiguousarray(self.vectors[todo], dtype=np.float32))
        self._faiss, self.ann_rows = graph, entries.astype(np.int32)
        self.manifest["ann_dead"] = int((entries < 0).sum())

    def search_units(self, qvec: np.ndarray, k: int) -> np.ndarray:
        """Rows of the (up to) k nearest units to qvec, nearest first (dead graph entries left out)."""
        q = qvec[None, :].astype(np.float32)
        if self.ann_rows is None:
            found = self.faiss.search(q, k)[1][0]
            return found[found >= 0]
        # dead entries come back too: ask for enough more that k live ones remain, with the search
        # beam widened to match (per call: the graph is shared by concurrent requests)
        import faiss

        if self._ann_live is None:  # the index is immutable: count once
            self._ann_live = max(int((self.ann_rows >= 0).sum()), 1)
        live = self._ann_live
        wanted = min(len(self.ann_rows), -(-k * len(self.ann_rows) // live))
        params = faiss.SearchParametersHNSW(efSearch=max(HNSW_EF_SEARCH, wanted))
        found = self.faiss.search(q, wanted, params=params)[1][0]
        rows = self.ann_rows[found[found >= 0]]
        return rows[rows >= 0][:k]

    def save(self, folder: Path) -> Path:
        builds = folder / "builds"
        builds.mkdir(parents=True, exist_ok=True)
        tmp = builds / f".tmp-{os.getpid()}-{time.time_ns()}"
        tmp.mkdir()
        with open(tmp / "vectors.npy", "wb") as f:
            np.save(f, np.ascontiguousarray(self.vectors, dtype=np.float32))
            f.flush()
            os.fsync(f.fileno())
        write_json(tmp / "meta.json", self.meta())
        names = ["vectors.npy", "meta.json"]
        cache = {}  # files that only save time: checked when read, never a reason to refuse the build
        if self._splits:
            write_json(tmp / SPLITS_FILE, self._splits)
            cache[SPLITS_FILE] = sha256_file(tmp / SPLITS_FILE)
        if self.manifest["index_type"] != "flat":
            import faiss

            faiss.write_index(self.faiss, str(tmp / ANN_FILE))
            names.append(ANN_FILE)
            if self.ann_rows is not None:
                with open(tmp / ANN_ROWS_FILE, "wb") as f:
                    np.save(f, self.ann_rows)
                    f.flush()
                    os.fsync(f.fileno())
                names.append(ANN_ROWS_FILE)
        files = {name: sha256_file(tmp / name) for name in names}
        self.manifest = {**self.manifest, "files": files, "cache_files": cache}  # as loading it would give
        write_json(tmp / "manifest.json", self.manifest)
        name = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.time_ns() % 10**6:06d}"
        fsync_dir(tmp)
        os.rename(tmp, builds / name)
        fsync_dir(builds)
        write_atomic(folder / "CURRENT", name + "\n")
        self.build_name, self.build_dir = name, builds / name
        self._splits = None  # on disk now: read again only if a build asks (not held by a server)
        prune(builds, keep=name)
        return builds / name

    def meta(self) -> dict:
        doc_pos = {d.id: i for i, d in enumerate(self.docs)}
        return {
            "documents": [d.__dict__ for d in self.docs],
            "passages": [[p.id, doc_pos[p.doc_id], p.section, p.start, p.end, p.question, p.sentences, p.phrasings]
                         for p in self.passages],
            # the texts embedded and matched by words where they differ from the source (markup)
            "readable": {"sentences": {str(i): t for i, (t, (_, raw)) in
                                       enumerate(zip(self.sentence_text, raw_sentences(self.passages))) if t != raw},
                         "passages": {str(i): t for i, (t, p) in enumerate(zip(self.passage_text, self.passages))
                                      if t != p.text}},
        }

    @classmethod
    def load(cls, folder: Path, verify: bool = True) -> Index:
        try:
            return cls._load(current_build(folder), folder, verify)
        except OSError as e:  # e.g. the build was pruned by a newer one while this one was read
            raise IndexError_(f"Index in '{folder}' could not be read ({e.strerror or e}).") from None
        except (AttributeError, KeyError, TypeError, ValueError) as e:  # a file of another shape: "[]", "files": 3
            raise IndexError_(f"Index in '{folder}' is corrupt ({type(e).__name__}).") from None

    @classmethod
    def _load(cls, build: Path, folder: Path, verify: bool) -> Index:
        manifest = read_json(build / "manifest.json")
        if not isinstance(manifest, dict) or not isinstance(manifest.get("files", {}), dict):
            raise IndexError_(f"Index in '{folder}' is corrupt: its manifest is not of the shape qa writes.")
        if manifest.get("format") != FORMAT_VERSION:
            raise IndexError_(f"Index in '{folder}' has format {manifest.get('format')}, expected {FORMAT_VERSION}.")
        if verify:
            for name, digest in manifest.get("files", {}).items():
                if not (build / name).is_file() or sha256_file(build / name) != digest:
                    raise IndexError_(f"Index file '{build / name}' is missing or corrupt (checksum mismatch).")
        meta = read_json(build / "meta.json")
        try:
            docs = [DocInfo(**{**d, "pages": tuple(d.get("pages", ()))}) for d in meta["documents"]]
            passages = [Passage(pid, docs[di].id, sec, s, e, docs[di].text[s:e], tuple(map(tuple, sents)), q, tuple(ph))
                        for pid, di, sec, s, e, q, sents, ph in meta["passages"]]
            # memory-mapped: pages come from the OS page cache, shared by every process serving this build
            vectors = np.load(build / "vectors.npy", mmap_mode="r")
        except (KeyError, TypeError, ValueError, OSError, EOFError) as e:
            raise IndexError_(f"Index in '{build}' cannot be read ({type(e).__name__}).") from None
        if vectors.shape != (manifest.get("units"), manifest.get("dimension")):
            raise IndexError_(f"Index in '{build}' has vectors of shape {vectors.shape}, not as its manifest says.")
        texts = meta.get("readable")  # absent in builds made before it was kept: worked out again
        ok = isinstance(texts, dict) and all(isinstance(texts.get(k, {}), dict) for k in ("sentences", "passages"))
        index = cls(manifest, docs, passages, vectors, texts if ok else None)
        index.build_name, index.build_dir = build.name, build
        if manifest.get("index_type", "flat") != "flat":
            index._faiss = read_ann(build / ANN_FILE)
            if ANN_ROWS_FILE in manifest.get("files", {}):
                try:
                    index.ann_rows = np.load(build / ANN_ROWS_FILE)
                except (ValueError, OSError, EOFError) as e:
                    raise IndexError_(f"Index in '{build}' cannot be read ({type(e).__name__}).") from None
                check_ann_rows(index.ann_rows, index._faiss.ntotal, len(vectors), build)
            elif index._faiss.ntotal != len(vectors):
                raise IndexError_(f"Index in '{build}' has a graph of {index._faiss.ntotal} entries for {len(vectors)} vectors.")
        return index


def check_ann_rows(rows: np.ndarray, entries: int, units: int, build: Path) -> None:
    """A graph map fits when it has one integer per graph entry and names every unit exactly once."""
    live = rows[rows >= 0] if rows.ndim == 1 and rows.dtype.kind == "i" else None
    if live is None or rows.shape != (entries,) or (rows < -1).any() or (live >= units).any() \
            or len(live) != units or (np.bincount(live, minlength=units) != 1).any():
        raise IndexError_(f"Index in '{build}' has a graph map that does not fit its vectors.")


def owned_graph(previous: Index):
    """An in-memory copy of the previous build's HNSW graph to add to: read again from its file
    (one copy), else copied through serialization (two copies for a moment)."""
    import faiss

    path = getattr(previous, "build_dir", None)
    if path is not None:
        try:
            return faiss.read_index(str(path / ANN_FILE))
        except RuntimeError:  # pruned meanwhile by another build: copy what this process has mapped
            pass
    return faiss.deserialize_index(faiss.serialize_index(previous.faiss))


def index_type(n_units: int) -> str:
    """Exact search while it is fast enough, HNSW above (measured: bench/scale.py)."""
    return "flat" if n_units < ANN_THRESHOLD else "hnsw"


def make_faiss(vectors: np.ndarray, kind: str):
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if kind == "flat":
        index = faiss.IndexFlatIP(int(vectors.shape[1]))
    else:
        index = faiss.IndexHNSWFlat(int(vectors.shape[1]), HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    index.add(vectors)
    return index


def read_ann(path: Path):
    import faiss

    # the graph and its vectors memory-mapped, not copied: shared between processes (faiss >= 1.11)
    flags = getattr(faiss, "IO_FLAG_MMAP_IFC", 0)
    try:
        index = faiss.read_index(str(path), flags)
    except RuntimeError as e:
        raise IndexError_(f"Index file '{path}' cannot be read: {str(e).splitlines()[0]}") from None
    if hasattr(index, "hnsw"):
        index.hnsw.efSearch = HNSW_EF_SEARCH
    return index


def current_build(folder: Path) -> Path:
    try:
        name = (folder / "CURRENT").read_text(encoding="utf-8").strip()
    except OSError:
        raise IndexError_(f"No index in '{folder}'. Run `qa index` to build one.") from None
    except UnicodeDecodeError:
        raise IndexError_(f"Index in '{folder}' is corrupt: its CURRENT file is not text.") from None
    build = folder / "builds" / name
    if not _BUILD_NAME.fullmatch(name) or not build.is_dir():
        raise IndexError_(f"Index in '{folder}' names a build '{name}' that does not exist.")
    return build


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise IndexError_(f"Index file '{path}' is missing or corrupt ({type(e).__name__}).") from None


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_json(path: Path, data: dict) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
        f.flush()
        os.fsync(f.fileno())


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# the names qa gives what it writes in builds/: a build ("20261128T210455-1234-056789") and the
# temporary folder one is written to (".tmp-1234-1764363895123456789")
_BUILD_NAME = re.compile(r"\d{8}T\d{6}-\d+-\d{6}")
_TEMP_NAME = re.compile(r"\.tmp-\d+-\d+")


def prune(builds: Path, keep: str) -> None:
    """Drop older builds and temporary folders left by builds that were killed; nothing else in the
    folder is touched (an index folder pointed at a project's own folder must not cost it its files)."""
    for entry in builds.iterdir():
        if entry.name == keep or not (_BUILD_NAME.fullmatch(entry.name) or _TEMP_NAME.fullmatch(entry.name)):
            continue
        if entry.name.startswith(".tmp-") and pid_alive(entry.name.split("-")[1]):
            continue  # another build is writing it right now
        shutil.rmtree(entry, ignore_errors=True)
    for stray in builds.parent.glob(".CURRENT.*.tmp"):  # left by a CURRENT write that was killed
        if not pid_alive(stray.name.split(".")[2]):
            stray.unlink(missing_ok=True)


def pid_alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True
