import os
from pathlib import Path

import numpy as np
import pytest

from qa.config import Settings
from qa import build
from qa.engine import Engine
from qa.errors import IndexError_, QAError
from qa.index import Index, current_build

DOC = "# Guide\n\n## Billing\n\nInvoices are sent monthly. Pay by card.\n\n## How do I reset my password?\n\nUse the reset link.\n"


def build_index(settings, embedder, log=None):
    return build.update(settings, build.current(settings)[1], lambda: embedder, log=log or (lambda s: None))


def stale_reason(settings):
    return build.current(settings)[2] or None


@pytest.fixture
def settings(write_corpus, fake_model, tmp_path) -> Settings:
    return Settings(corpus=write_corpus({"guide.md": DOC}), index=tmp_path / "index", model=str(fake_model),
                    query_runtime="sentence-transformers")


def test_build_save_load_round_trip(settings, fake_embedder):
    built = build_index(settings, fake_embedder, log=lambda s: None)
    loaded = Index.load(settings.index)
    assert [p.id for p in loaded.passages] == [p.id for p in built.passages]
    assert loaded.vectors.shape == built.vectors.shape and np.array_equal(loaded.vectors, built.vectors)
    assert isinstance(loaded.vectors, np.memmap) and not loaded.vectors.flags.writeable  # shared, read-only
    assert loaded.manifest["documents"] == 1 and loaded.manifest["passages"] == 2
    assert loaded.manifest["files_sha"] == built.manifest["files_sha"] and len(loaded.manifest["files_sha"]) == 1
    for p in loaded.passages:
        assert loaded.doc_by_id[p.doc_id].text[p.start:p.end] == p.text


def test_missing_index_is_built_with_one_line_saying_why(settings, fake_embedder):
    lines: list[str] = []
    Engine(settings, log=lines.append, embedder=fake_embedder)
    assert lines[0].startswith("Building the index: there is no index")
    assert (settings.index / "CURRENT").is_file()


def test_fresh_index_is_loaded_not_rebuilt(settings, fake_embedder):
    build_index(settings, fake_embedder, log=lambda s: None)
    calls = fake_embedder.calls
    lines: list[str] = []
    Engine(settings, log=lines.append, embedder=fake_embedder)
    assert lines == [] and fake_embedder.calls == calls
    assert stale_reason(settings) is None


def test_changed_corpus_makes_index_stale(settings, fake_embedder):
    build_index(settings, fake_embedder, log=lambda s: None)
    (settings.corpus / "guide.md").write_text(DOC + "\nNew paragraph.\n")
    assert stale_reason(settings) == "the corpus changed since the index was built"
    (settings.corpus / "more.txt").write_text("x")
    lines: list[str] = []
    engine = Engine(settings, log=lines.append, embedder=fake_embedder)
    assert "corpus changed" in lines[0]
    assert {d.id for d in engine.index.docs} == {"guide.md", "more.txt"}


def test_changed_model_makes_index_stale(settings, fake_embedder, fake_model):
    build_index(settings, fake_embedder, log=lambda s: None)
    (fake_model / "config.json").write_text('{"fake": "v2"}')
    assert stale_reason(settings) == "the embedding model changed since the index was built"


def test_changed_scoring_remeasures_null_scores_without_embedding_again(settings, fake_embedder, monkeypatch):
    from qa import retrieve

    build_index(settings, fake_embedder, log=lambda s: None)
    assert stale_reason(settings) is None
    monkeypatch.setattr(retrieve, "SCORING_VERSION", retrieve.SCORING_VERSION + "-changed")
    assert stale_reason(settings) == "qa scores answers differently since the index was built"
    calls = fake_embedder.calls
    rebuilt = build_index(settings, fake_embedder, log=lambda s: None)
    assert fake_embedder.calls == calls  # every document was unchanged: nothing embedded again
    assert rebuilt.manifest["scoring"] == build.scoring_version() and stale_reason(settings) is None


def test_changed_parser_reparses_every_document_and_reuses_vectors_of_unchanged_texts(settings, fake_embedder,
                                                                                     monkeypatch):
    from qa import corpus

    (settings.corpus / "wrapped.md").write_text("# W\n\nOne sentence wrapped\nover two lines.\n")
    build_index(settings, fake_embedder)
    monkeypatch.setattr(build, "PARSER_VERSION", corpus.PARSER_VERSION + 1)
    assert stale_reason(settings) == "qa splits documents into passages differently since the index was built"
    reparsed = []
    real = build.load_document
    monkeypatch.setattr(build, "load_document", lambda path, *a: reparsed.append(path.name) or real(path, *a))
    calls = fake_embedder.calls
    rebuilt = build_index(settings, fake_embedder)
    assert sorted(reparsed) == ["guide.md", "wrapped.md"]
    assert fake_embedder.calls == calls  # the texts came out the same: nothing embedded again
    assert rebuilt.manifest["parser"] == corpus.PARSER_VERSION + 1 and stale_reason(settings) is None


def test_faq_feature_follows_the_passage_kind_not_the_phrasings(write_corpus, fake_model, tmp_path):
    """A prose passage with curated phrasings is still prose for the confidence model, as for scoring."""
    from conftest import FakeEmbedder

    from qa.calibration import FEATURES, QueryFacts, features
    from qa.retrieve import search

    rows = "\n".join(f'{{"id": "q{i}", "question": "How do I do thing {i} here?", "answer": "Press button {i}."}}'
                     for i in range(25))
    corpus = write_corpus({"faq.jsonl": rows, "guide.md": "# Guide\n\nInvoices are sent monthly.\n",
                           "alternates.yaml": 'alternates:\n  "guide.md#p1":\n    - when do invoices come\n'})
    s = Settings(corpus=corpus, index=tmp_path / "index", model=str(fake_model), query_runtime="sentence-transformers")
    emb = FakeEmbedder(fake_model)
    index = build_index(s, emb)
    prose = next(i for i, p in enumerate(index.passages) if p.doc_id == "guide.md")
    assert index.passages[prose].phrasings and index.question_unit[prose] < 0
    q = "when do invoices come"
    hits = search(index, emb.embed([q])[0], q, k=len(index.passages))
    kinds = {h.passage: features(index, hits, QueryFacts.of(index, q), "x", i)[FEATURES.index("faq")]
             for i, h in enumerate(hits[:-1])}
    assert hits[0].passage == prose and hits[0].question > 0  # its phrasing matched
    assert kinds[prose] == 0.0 and 1.0 in kinds.values()


@pytest.mark.parametrize("faq_rows, prose_paragraphs, collection", [
    (25, 1, True),  # an FAQ file and a note: an FAQ collection
    (25, 40, False),  # 25 FAQ entries among 40 prose passages: read as documents, like the article
    (10, 1, True),  # a small FAQ file is one too: its questions' null similarity leans on a prior
])
def test_only_an_faq_collection_reads_its_faq_hits_as_faq(write_corpus, fake_model, tmp_path, faq_rows,
                                                         prose_paragraphs, collection):
    """Adding FAQ entries to a set of documents must not switch how all of it is read: before this
    rule, 7 entries more in the package READMEs' FAQ file (14 -> 21) took false abstentions from 3
    to 16 of 67 (4 with it)."""
    from conftest import FakeEmbedder

    from qa.calibration import FEATURES, QueryFacts, faq_corpus, features
    from qa.retrieve import search

    rows = "\n".join(f'{{"id": "q{i}", "question": "How do I do thing {i} here?", "answer": "Press button {i}."}}'
                     for i in range(faq_rows))
    guide = "# Guide\n\n" + "".join(f"## Part {i}\n\nInvoices for part {i} are sent monthly.\n\n"
                                     for i in range(prose_paragraphs))
    corpus = write_corpus({"faq.jsonl": rows, "guide.md": guide})
    s = Settings(corpus=corpus, index=tmp_path / "index", model=str(fake_model), query_runtime="sentence-transformers")
    emb = FakeEmbedder(fake_model)
    index = build_index(s, emb)
    assert faq_corpus(index) is (faq_rows >= prose_paragraphs)
    q = "How do I do thing 3 here?"
    hits = search(index, emb.embed([q])[0], q, k=3)
    assert index.passages[hits[0].passage].question  # an FAQ entry is the top passage either way
    faq, question_z = (features(index, hits, QueryFacts.of(index, q), "x")[FEATURES.index(f)]
                       for f in ("faq", "question_z"))
    assert faq == float(collection) and (question_z != 0.0) is collection


def test_corrupt_index_file_is_detected(settings, fake_embedder):
    build_index(settings, fake_embedder, log=lambda s: None)
    vectors = current_build(settings.index) / "vectors.npy"
    vectors.write_bytes(vectors.read_bytes()[:-16])
    with pytest.raises(IndexError_, match="corrupt"):
        Index.load(settings.index)
    lines: list[str] = []
    engine = Engine(settings, log=lines.append, embedder=fake_embedder)
    assert "corrupt" in lines[0] and engine.index.manifest["passages"] == 2


def test_unfinished_build_never_replaces_the_current_one(settings, fake_embedder):
    build_index(settings, fake_embedder, log=lambda s: None)
    before = current_build(settings.index)
    leftover = settings.index / "builds" / ".tmp-999999999-1"  # what a killed build leaves
    leftover.mkdir()
    (leftover / "vectors.npy").write_bytes(b"half")
    assert current_build(settings.index) == before
    assert Index.load(settings.index).manifest["passages"] == 2
    stray = settings.index / ".CURRENT.999999999.tmp"  # a CURRENT write that was killed
    stray.write_text("half")
    build_index(settings, fake_embedder, log=lambda s: None)  # the next build sweeps both away
    assert not leftover.exists() and not stray.exists()
    assert len(list((settings.index / "builds").iterdir())) == 1


def test_a_build_removes_only_what_qa_wrote_in_builds(settings, fake_embedder):
    """An index folder pointed at a project folder ("--index .") must not cost it its own builds/."""
    theirs = settings.index / "builds" / "myrelease"
    theirs.mkdir(parents=True)
    (theirs / "app.bin").write_text("precious")
    first = build_index(settings, fake_embedder)
    second = build_index(settings, fake_embedder)  # a new build: the first is pruned, theirs is not
    assert first.build_name != second.build_name and not (settings.index / "builds" / first.build_name).exists()
    assert (theirs / "app.bin").read_text() == "precious"
    assert len([p for p in (settings.index / "builds").iterdir() if p != theirs]) == 1


@pytest.mark.parametrize("make", ["a file on the way", "CURRENT a folder"])
def test_an_index_folder_that_cannot_be_used_is_one_line_before_any_embedding(settings, fake_embedder, make):
    if make == "a file on the way":
        settings.index.parent.mkdir(parents=True, exist_ok=True)
        (settings.index.parent / "f.txt").write_text("x")
        settings = settings.model_copy(update={"index": settings.index.parent / "f.txt" / "sub"})
    else:
        (settings.index / "CURRENT").mkdir(parents=True)
    calls = []
    with pytest.raises(QAError) as e:
        Engine(settings, log=lambda s: None, embedder=type("E", (), {"embed": lambda self, t: calls.append(t)})())
    assert "\n" not in str(e.value) and ("--index" in str(e.value)) and not calls


@pytest.fixture
def read_only(monkeypatch):
    """Make index folders refuse new files, as a read-only mount or another user's folder does
    (chmod cannot show it to root): every file qa would create below `folder` fails with EROFS."""
    import errno
    import tempfile

    real = tempfile.mkstemp

    def refuse(folder: Path):
        def mkstemp(*a, dir=None, **kw):
            if dir is not None and Path(dir).resolve().is_relative_to(folder.resolve()):
                raise OSError(errno.EROFS, "Read-only file system", str(dir))
            return real(*a, dir=dir, **kw)
        monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    return refuse


def test_a_stale_index_in_a_folder_that_cannot_be_written_is_used_as_built_with_a_warning(settings, fake_embedder,
                                                                                        read_only):
    first = build_index(settings, fake_embedder)
    (settings.corpus / "guide.md").write_text(DOC + "\nNew paragraph.\n")
    read_only(settings.index)
    calls, lines = fake_embedder.calls, []
    engine = Engine(settings, log=lines.append, embedder=fake_embedder)
    assert engine.index.build_name == first.build_name and fake_embedder.calls == calls  # nothing embedded
    assert len(lines) == 1 and "cannot be written (Read-only file system)" in lines[0] and "out of date" in lines[0]
    assert engine.ask("how do I reset my password?").citations  # it answers
    with pytest.raises(QAError) as e:  # `qa index` says so before parsing or embedding anything
        build.update(settings, first, lambda: pytest.fail("nothing may be embedded"), log=lambda s: None)
    assert "\n" not in str(e.value) and "cannot be written" in str(e.value) and "--index" in str(e.value)
    assert current_build(settings.index).name == first.build_name


def test_an_index_folder_whose_top_level_alone_cannot_be_written_is_found_before_a_build(settings, fake_embedder,
                                                                                       monkeypatch):
    """builds/ writable but not the folder that holds CURRENT: refused before the build, not after it."""
    import errno
    import tempfile

    first = build_index(settings, fake_embedder)
    real = tempfile.mkstemp

    def mkstemp(*a, dir=None, **kw):
        if dir is not None and Path(dir).resolve() == settings.index.resolve():
            raise OSError(errno.EPERM, "Operation not permitted", str(dir))
        return real(*a, dir=dir, **kw)
    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    with pytest.raises(QAError, match=r"cannot be written \(Operation not permitted\)"):
        build.update(settings, first, lambda: pytest.fail("nothing may be embedded"), log=lambda s: None)


def test_no_index_and_a_folder_that_cannot_be_written_is_one_line_before_any_embedding(settings, read_only):
    settings.index.mkdir(parents=True)
    read_only(settings.index)
    with pytest.raises(QAError) as e:
        Engine(settings, log=lambda s: None, embedder=type("E", (), {"embed": lambda self, t: pytest.fail("embedded")})())
    assert "\n" not in str(e.value) and "cannot be written (Read-only file system)" in str(e.value)


def test_reindex_embeds_only_added_and_changed_documents(write_corpus, fake_model, tmp_path):
    from conftest import FakeEmbedder

    corpus = write_corpus({"a.md": "# A\n\nAlpha one. Alpha two.\n", "b.md": "# B\n\nBravo text.\n",
                           "c.txt": "Charlie text."})
    s = Settings(corpus=corpus, index=tmp_path / "index", model=str(fake_model),
                    query_runtime="sentence-transformers")
    first = build_index(s, FakeEmbedder(fake_model))
    (corpus / "b.md").write_text("# B\n\nBravo changed. Now two sentences.\n")
    (corpus / "c.txt").unlink()
    (corpus / "d.md").write_text("# D\n\nDelta new.\n")
    lines: list[str] = []
    emb = FakeEmbedder(fake_model)
    second = build_index(s, emb, log=lines.append)
    assert "1 added, 1 changed, 1 removed, 1 unchanged" in lines[0]
    assert not any("Alpha" in t for t in emb.embedded)  # a.md was not embedded again
    assert any("Bravo changed" in t for t in emb.embedded) and any("Delta" in t for t in emb.embedded)
    assert {d.id for d in second.docs} == {"a.md", "b.md", "d.md"}
    # the copied vectors are the ones a full build computes
    full = Index.build(second_docs(second, corpus), FakeEmbedder(fake_model).embed, {})[0]
    assert np.allclose(full.vectors, second.vectors)
    assert [p.id for p in full.passages] == [p.id for p in second.passages]
    a_rows_old, a_rows_new = first.unit_rows()["a.md"], second.unit_rows()["a.md"]
    assert np.array_equal(first.vectors[a_rows_old], second.vectors[a_rows_new])


def second_docs(index, corpus):
    from qa.corpus import load_corpus

    return load_corpus(corpus, warn=lambda s: None)


def test_index_command_with_nothing_changed_does_nothing(settings, fake_embedder):
    from typer.testing import CliRunner

    from qa.cli import app

    build_index(settings, fake_embedder)
    before = current_build(settings.index)
    env = {"QA_MODEL": settings.model, "QA_INDEX": str(settings.index), "QA_CORPUS": str(settings.corpus),
           "QA_QUERY_RUNTIME": "sentence-transformers"}
    result = CliRunner().invoke(app, ["index"], env=env)
    assert result.exit_code == 0 and "up to date" in result.stdout
    assert current_build(settings.index) == before


def test_large_indexes_use_hnsw_and_find_what_exact_search_finds(settings, fake_embedder, monkeypatch):
    import qa.index

    monkeypatch.setattr(qa.index, "ANN_THRESHOLD", 2)  # make the tiny corpus "large"
    built = build_index(settings, fake_embedder)
    assert built.manifest["index_type"] == "hnsw"
    loaded = Index.load(settings.index)
    assert (current_build(settings.index) / "ann.faiss").is_file()
    assert loaded.manifest["index_type"] == "hnsw" and hasattr(loaded.faiss, "hnsw")
    q = loaded.vectors[:1]
    exact = np.sort(loaded.vectors @ q[0])[::-1][:3]
    scores, _ = loaded.faiss.search(q, 3)  # ties make ids ambiguous; the scores are not
    assert np.allclose(scores[0], exact, atol=1e-5)
    ann = str(current_build(settings.index) / "ann.faiss")
    assert ann in Path("/proc/self/maps").read_text()  # the graph is memory-mapped, not read into the heap


def test_an_incremental_build_extends_the_previous_hnsw_graph(write_corpus, fake_model, tmp_path, monkeypatch):
    import qa.index
    from conftest import FakeEmbedder

    monkeypatch.setattr(qa.index, "ANN_THRESHOLD", 2)  # every index is "large"
    docs = {f"d{i}.md": f"# Doc {i}\n\nSentence {i} one. Sentence {i} two.\n\nAnother paragraph {i}.\n" for i in range(8)}
    s = Settings(corpus=write_corpus(docs), index=tmp_path / "index", model=str(fake_model),
                 query_runtime="sentence-transformers")
    first = build_index(s, FakeEmbedder(fake_model))
    assert first.ann_rows is None and first.faiss.ntotal == len(first.vectors)
    (s.corpus / "d3.md").write_text("# Doc 3\n\nChanged text here.\n")
    (s.corpus / "new.md").write_text("# New\n\nA new document. With two sentences.\n")
    emb, lines = FakeEmbedder(fake_model), []
    second = build_index(s, emb, log=lines.append)
    assert f"HNSW graph extended, {len(first.unit_rows()['d3.md'])} dead entries" in lines[0]
    loaded = Index.load(s.index)
    for index in (second, loaded):
        # the old graph's entries, then one per unit of the changed and added documents; d3's old
        # units are dead entries ("Changed text here." is a sentence and a passage: embedded once)
        added = len(second.unit_rows()["d3.md"]) + len(second.unit_rows()["new.md"])
        assert index.faiss.ntotal == first.faiss.ntotal + added and len(emb.embedded) == added - 1
        assert index.manifest["ann_dead"] == len(first.unit_rows()["d3.md"]) == (index.ann_rows < 0).sum()
        assert sorted(index.ann_rows[index.ann_rows >= 0]) == list(range(len(index.vectors)))  # every unit once
        for row in range(len(index.vectors)):  # each unit finds itself (or an identical twin) first
            top = index.search_units(np.asarray(index.vectors[row]), 3)[0]
            assert np.allclose(index.vectors[top], index.vectors[row])
        # dead entries do not take the places of live units: asking for every unit gets every unit
        assert sorted(index.search_units(np.asarray(index.vectors[0]), len(index.vectors))) == list(range(len(index.vectors)))
    # when dead entries pass MAX_DEAD_SHARE the graph is built again from scratch
    for name in [f"d{i}.md" for i in range(5)]:
        (s.corpus / name).write_text(f"# Rewritten\n\nNew words for {name}.\n")
    third = build_index(s, FakeEmbedder(fake_model), log=lines.append)
    assert lines[-1].endswith("; HNSW graph built).") and third.ann_rows is None and "ann_dead" not in third.manifest and third.faiss.ntotal == len(third.vectors)
    assert not (current_build(s.index) / "ann_rows.npy").exists()
    # a graph map that does not name every unit once is refused on load, checksums or not
    (s.corpus / "d7.md").write_text("# Doc 7\n\nChanged once more.\n")
    assert build_index(s, FakeEmbedder(fake_model)).ann_rows is not None
    build_dir = current_build(s.index)
    rows = np.load(build_dir / "ann_rows.npy")
    rows[rows >= 0] = 0
    np.save(build_dir / "ann_rows.npy", rows)
    with pytest.raises(IndexError_, match="graph map"):
        Index.load(s.index, verify=False)
    np.save(build_dir / "ann_rows.npy", rows.astype(np.float32))
    with pytest.raises(IndexError_, match="graph map"):
        Index.load(s.index, verify=False)
    with pytest.raises(IndexError_, match="corrupt"):
        Index.load(s.index)


@pytest.mark.parametrize("large", [False, True], ids=["exact", "hnsw"])
def test_a_loaded_build_keeps_answering_after_a_new_build_deletes_its_files(settings, fake_embedder, monkeypatch, large):
    """Vectors and graph are memory-mapped: a server's build must survive `qa index` pruning its folder."""
    import qa.index

    if large:
        monkeypatch.setattr(qa.index, "ANN_THRESHOLD", 2)
    build_index(settings, fake_embedder)
    served = Index.load(settings.index).warm()
    old = current_build(settings.index)
    (settings.corpus / "more.md").write_text("# More\n\nA second document arrives.\n")
    build_index(settings, fake_embedder)
    assert not old.exists()  # pruned while `served` still maps its files
    q = np.asarray(served.vectors[0])
    assert served.search_units(q, 1)[0] == 0 and float(served.vectors[0] @ q) == pytest.approx(1.0, abs=1e-5)


def test_questions_can_be_limited_to_some_documents(write_corpus, fake_model, tmp_path):
    from conftest import FakeEmbedder

    from qa.errors import UnknownDocument

    corpus = write_corpus({"billing.md": "# Billing\n\nInvoices are sent monthly by email.\n",
                           "travel.md": "# Travel\n\nInvoices for travel are filed by hand.\n"})
    s = Settings(corpus=corpus, index=tmp_path / "index", model=str(fake_model), query_runtime="sentence-transformers")
    engine = Engine(s, log=lambda line: None, embedder=FakeEmbedder(fake_model))
    _, _, hits = engine.search("invoices", 5, documents=["travel.md"])
    assert hits and {engine.index.passages[h.passage].doc_id for h in hits} == {"travel.md"}
    _, _, both = engine.search("invoices", 5)
    assert {engine.index.passages[h.passage].doc_id for h in both} == {"billing.md", "travel.md"}
    with pytest.raises(UnknownDocument, match="No document 'nope.md'"):
        engine.search("invoices", 5, documents=["nope.md"])


def test_build_measures_the_corpus_null_scores(write_corpus, fake_model, tmp_path):
    rows = "\n".join(f'{{"id": "q{i}", "question": "How do I do thing {i} here?", "answer": "Press button {i}."}}'
                     for i in range(30))
    s = Settings(corpus=write_corpus({"faq.jsonl": rows}), index=tmp_path / "index", model=str(fake_model),
                 query_runtime="sentence-transformers")
    from conftest import FakeEmbedder

    built = build_index(s, FakeEmbedder(fake_model))
    null = Index.load(s.index).manifest["null_scores"]
    assert null == built.manifest["null_scores"]
    assert null["probes"] == 30 and null["question"]["probes"] == 30
    # leave-one-out: a question never counts itself, so its null similarity is below 1
    assert 0 < null["question"]["mean"] < 1 and null["sd"] > 0


def test_alternates_add_phrasings_and_synonyms_and_a_change_reindexes(write_corpus, fake_model, tmp_path):
    from conftest import FakeEmbedder

    corpus = write_corpus({"faq.md": "# FAQ\n\n## How do I pay?\n\nBy card.\n\n## Where are you?\n\nIn Paris.\n",
                           "alternates.yaml": "alternates:\n  How do I pay?:\n    - settle my invoice\n"
                                              "synonyms:\n  - [bill, invoice]\n"})
    s = Settings(corpus=corpus, index=tmp_path / "index", model=str(fake_model), query_runtime="sentence-transformers")
    emb = FakeEmbedder(fake_model)
    engine = Engine(s, log=lambda line: None, embedder=emb)
    pay = engine.index.passage_by_id["faq.md#how-do-i-pay"]
    assert pay.phrasings == ("settle my invoice",) and "settle my invoice" in emb.embedded
    query, _, hits = engine.search("settle invoice", 2)
    assert engine.index.passages[hits[0].passage].id == "faq.md#how-do-i-pay"
    assert hits[0].question > 0.5  # matched through the phrasing, which counts as the FAQ question
    assert engine.search("my bill", 1)[0] == "my bill invoice"  # synonyms join the search text
    assert build.current(s)[0] is not None
    (corpus / "alternates.yaml").write_text("alternates:\n  How do I pay?:\n    - pay the bill\n")
    assert build.current(s)[2] == "the alternates files changed since the index was built"


def test_a_broken_alternates_file_keeps_the_phrasings_in_use(write_corpus, fake_model, tmp_path):
    """A curator's bad paste (the same key twice) must not drop every phrasing: an engine keeps the
    index built with them, saying why in one line, and `qa index` refuses with one line."""
    from conftest import FakeEmbedder
    from typer.testing import CliRunner
    from qa.cli import app

    corpus = write_corpus({"faq.md": "# FAQ\n\n## How do I pay?\n\nBy card.\n\n## Where are you?\n\nIn Paris.\n",
                           "alternates.yaml": "alternates:\n  How do I pay?:\n    - settle my invoice\n"})
    s = Settings(corpus=corpus, index=tmp_path / "index", model=str(fake_model), query_runtime="sentence-transformers")
    first = Engine(s, log=lambda line: None, embedder=FakeEmbedder(fake_model)).index
    (corpus / "alternates.yaml").write_text("alternates:\n  How do I pay?:\n    - settle my invoice\n"
                                            "  How do I pay?:\n    - money back\n")
    lines: list[str] = []
    again = Engine(s, log=lines.append, embedder=FakeEmbedder(fake_model)).index
    assert again.build_name == first.build_name
    assert again.passage_by_id["faq.md#how-do-i-pay"].phrasings == ("settle my invoice",)
    assert len(lines) == 1 and "the same key twice" in lines[0] and "keeps the alternates" in lines[0]
    r = CliRunner().invoke(app, ["index"], env={"QA_CORPUS": str(corpus), "QA_INDEX": str(s.index),
                                                "QA_MODEL": str(fake_model)})
    assert r.exit_code == 1 and "the same key twice" in r.stderr and "Traceback" not in r.stderr
    assert current_build(s.index).name == first.build_name  # nothing was built


def test_bm25_leaves_scipy_importable():
    """qa.lexical keeps bm25s from importing scipy.sparse (cold start); scipy must still import after."""
    import json
    import subprocess
    import sys

    code = ("from qa.lexical import BM25; b = BM25([['a', 'b'], ['b', 'c']]); import sys; "
            "assert 'scipy.sparse' not in sys.modules; import scipy.sparse, json; "
            "print(json.dumps([float(x) for x in b.scores('c')]))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    scores = json.loads(p.stdout)
    assert scores[1] > scores[0] == 0.0



@pytest.mark.parametrize("query", ["zlib deflate window", "window window size", "gzip", "nothing here", ""])
def test_bm25_coverage_of_every_passage_is_vocabulary_coverage_of_each(query):
    """BM25.coverage (all passages at once, for retrieval) agrees with Vocabulary.coverage (one passage)."""
    from qa.lexical import BM25, Vocabulary, terms

    passages = [terms(t) for t in ("zlib's deflate uses a sliding window", "the window size is 32K",
                                   "gzip wraps deflate", "unrelated text about cats")]
    vocab, bm25 = Vocabulary(passages), BM25(passages)
    q = terms(query)
    got = bm25.coverage(q, vocab)
    want = [vocab.coverage(q, lambda t, p=set(p): t in p) for p in passages]
    assert got == pytest.approx(want, abs=1e-6)
    assert got.shape == (4,) and (0 <= got).all() and (got <= 1 + 1e-6).all()


def test_a_passage_that_holds_more_of_the_question_outranks_one_that_matches_as_closely(fake_engine):
    """Retrieval adds Weights.coverage times the share of the question's terms (IDF-weighted) that a
    passage holds, headings included: of two passages that match alike, the one naming what was
    asked about comes first."""
    from qa import retrieve

    engine = fake_engine({"a.md": "# Exit codes\n\nThe tool stops.\n\n# Colours\n\nThe tool stops.\n"})
    hits = engine.search("what exit code when the tool stops", 2)[2]
    assert engine.index.passages[hits[0].passage].section == "Exit codes"
    assert hits[0].bonus == pytest.approx(retrieve.Weights().coverage * 1.0)  # every term: exit, code, tool, stop
    assert 0 < hits[1].bonus < hits[0].bonus
    assert hits[0].score - hits[0].bonus == pytest.approx(hits[1].score - hits[1].bonus)  # only coverage differs


def test_asked_what_something_is_the_passage_defining_it_gains_the_definition_weight(fake_engine):
    """"what is a widget?": of passages that hold the same words, the one with a sentence saying
    what a widget is gains Weights.definition, and nothing else changes; it is a candidate even
    when neither the dense search nor BM25 offered it; other questions find no definition."""
    from qa import retrieve

    filler = "".join(f"# Part {i}\n\nThe widget {i} ships with the kit.\n\n" for i in range(60))
    engine = fake_engine({"a.md": "# Use\n\nThe widget, as used, comes boxed.\n\n" + filler +
                          "# Basics\n\nThe widget is a small gadget, boxed.\n\n"})
    hits = engine.search("what is a widget?", 3)[2]
    top = engine.index.passages[hits[0].passage]
    assert top.section == "Basics" and hits[0].bonus > retrieve.Weights().definition
    def defining(q):
        return retrieve.definitions(engine.index, q, retrieve.sentence_bm25(engine.index, q))

    assert [engine.index.passages[i].section for i in defining("what is a widget?")] == ["Basics"]
    assert defining("how is a widget boxed?") == []
    # what is asked is read from the question as asked, not from the words added to what is searched
    assert retrieve.search(engine.index, hits[0].qvec, "what is a widget? gadget device", 1,
                           asked="what is a widget?")[0].passage == hits[0].passage
    qvec = engine.search("what is a widget?", 1)[1]
    with pytest.MonkeyPatch.context() as m:  # neither FAISS nor BM25 offers it: the definition still does
        m.setattr(retrieve, "candidate_passages", lambda *a, **k: [0])
        assert [h.passage for h in retrieve.search(engine.index, qvec, "what is a widget?", 2)] == [hits[0].passage, 0]
    no_def = retrieve.search(engine.index, qvec, "what is a widget?", 3, retrieve.Weights(definition=0.0))
    assert retrieve.search(engine.index, qvec, "what is a widget?", 3, retrieve.Weights(coverage=0.0))  # no division
    gained = {h.passage: h.score for h in hits}
    for h in no_def:
        if h.passage in gained:
            assert gained[h.passage] - h.score == pytest.approx(retrieve.Weights().definition if
                                                                h.passage == hits[0].passage else 0.0, abs=1e-6)


def test_a_thing_defined_everywhere_brings_in_few_passages_and_reads_few_sentences(fake_engine, monkeypatch):
    """MAX_DEFINING passages at most join the candidates, found among the DEFINITION_READS sentences
    that match the question best: a large corpus that says "The cache is a …" everywhere is not
    read whole for "what is the cache?"."""
    from qa import answer_type, retrieve

    engine = fake_engine({"a.md": "".join(f"# Part {i}\n\nThe cache is a store number {i}.\n\n" for i in range(300))})
    q = "what is the cache?"
    read = []
    real = answer_type.definition
    monkeypatch.setattr(answer_type, "definition", lambda thing: _Counting(real(thing), read))
    found = retrieve.definitions(engine.index, q, retrieve.sentence_bm25(engine.index, q))
    assert len(found) == retrieve.MAX_DEFINING and len(set(found)) == len(found)
    assert len(read) <= retrieve.DEFINITION_READS
    assert len(engine.search(q, 3)[2]) == 3


class _Counting:
    def __init__(self, pattern, log):
        self.pattern, self.log = pattern, log

    def search(self, text):
        self.log.append(text)
        return self.pattern.search(text)


@pytest.mark.parametrize("values, expect_mean", [([], 1.2), ([2.0] * 1000, 2.0)])
def test_null_scores_lean_on_the_prior_only_when_the_corpus_has_few_probes(values, expect_mean):
    from qa import selfcal

    s = selfcal.stats(values, 0.05, selfcal.PRIOR, selfcal.PRIOR_WEIGHT)
    assert s["mean"] == pytest.approx(expect_mean, abs=0.01)
    assert s["sd"] >= 0.05 and s["probes"] == len(values)


@pytest.mark.parametrize("faq_rows, prose, question_probes_only", [(5, 0, True), (5, 20, False), (0, 5, False)])
def test_an_faq_collection_is_probed_with_its_questions_only(write_corpus, fake_model, tmp_path, faq_rows, prose,
                                                             question_probes_only):
    """Users of an FAQ file ask questions, not sentences of its answers: a small FAQ file is probed
    with its questions alone (StackFAQ, 19 threads: unanswerable queries declined 75 -> 181 of 190);
    documents with a few FAQ entries among prose are probed with their sentences too."""
    from conftest import FakeEmbedder

    from qa import selfcal

    rows = "\n".join(f'{{"id": "q{i}", "question": "How do I do thing {i} here?", "answer": "Press button {i}. '
                     f'Then wait."}}' for i in range(faq_rows))
    guide = "".join(f"# Part {i}\n\nInvoices for part {i} are sent monthly. They are paid by card.\n\n"
                    for i in range(prose))
    s = Settings(corpus=write_corpus({"faq.jsonl": rows, "guide.md": guide}), index=tmp_path / "index",
                 model=str(fake_model), query_runtime="sentence-transformers")
    index = build_index(s, FakeEmbedder(fake_model))
    units = [u for u, _ in selfcal.probes(index)]
    assert (all(u >= index.n_sentences for u in units)) is question_probes_only and units
    null = index.manifest["null_scores"]["question"]
    # the questions' null similarity is pooled with the prior: five questions do not decide it alone
    assert null["probes"] == (faq_rows if faq_rows > 1 else 0) and null["sd"] >= 0.02


def test_many_question_headings_in_prose_do_not_make_the_probes_their_own(write_corpus, fake_model, tmp_path):
    """A changelog with 40 "What's New in Widget 2.N?" headings among prose: the probes are spread
    over its questions and the sentences alike (with its questions as the only probes, their
    near-identical twins set the null scores, and questions about every other document were
    declined); a prose corpus with fewer questions keeps them all as probes, beside sentences."""
    from conftest import FakeEmbedder

    from qa import selfcal

    news = "".join(f"## What's New in Widget 2.{i}?\n\nFixed a crash in the scheduler number {i}.\n\n" for i in range(40))
    guide = "".join(f"# Part {i}\n\nInvoices for part {i} are sent monthly. They are paid by card. Ask the desk.\n\n"
                    for i in range(60))
    s = Settings(corpus=write_corpus({"NEWS.md": news, "guide.md": guide}), index=tmp_path / "index",
                 model=str(fake_model), query_runtime="sentence-transformers")
    index = build_index(s, FakeEmbedder(fake_model))
    assert not selfcal.faq_corpus(index) and sum(u >= 0 for u in index.question_unit) == 40
    units = [u for u, _ in selfcal.probes(index)]
    questions = sum(u >= index.n_sentences for u in units)
    assert len(units) == min(selfcal.MAX_PROBES, 40 + index.n_sentences)
    share = 40 / (40 + index.n_sentences)  # the questions' share of everything that can be a probe
    assert 0 < questions < len(units) / 2 and abs(questions / len(units) - share) < 0.05


def test_a_one_line_corpus_does_not_answer_everything(write_corpus, fake_model, tmp_path):
    """One sentence gives no leave-one-out probe: its null scores come from the prior, so a question
    the line does not answer is not scored as if anything beat nothing."""
    from conftest import FakeEmbedder

    s = Settings(corpus=write_corpus({"one.txt": "Hi."}), index=tmp_path / "index", model=str(fake_model),
                 query_runtime="sentence-transformers")
    index = build_index(s, FakeEmbedder(fake_model))
    null = index.manifest["null_scores"]
    assert null["probes"] == 0 and null["mean"] > 0.5 and null["sd"] >= 0.3



def build_warnings(settings, embedder) -> list[str]:
    warnings: list[str] = []
    build.update(settings, build.current(settings)[1], lambda: embedder, log=lambda s: None, warn=warnings.append)
    return warnings


def test_links_out_of_the_corpus_and_undecodable_names_are_skipped_with_a_warning(settings, fake_embedder, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("The root password is hunter2.\n")
    (settings.corpus / "passwd.txt").symlink_to(secret)
    (settings.corpus / "inside.md").symlink_to(settings.corpus / "guide.md")  # a link within the corpus is fine
    bad_name = os.fsencode(settings.corpus) + b"/bad\xffname.md"
    with open(bad_name, "w") as f:
        f.write("# X\n\nText.\n")
    warnings = build_warnings(settings, fake_embedder)
    index = Index.load(settings.index)
    assert {d.id for d in index.docs} == {"guide.md", "inside.md"}
    assert any("passwd.txt" in w and "outside the corpus" in w for w in warnings)
    assert any("not UTF-8" in w for w in warnings)
    assert not any("hunter2" in p.text for p in index.passages)


def test_a_link_to_a_folder_is_not_followed_and_says_so(settings, fake_embedder, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "more.md").write_text("# More\n\nMore text.\n")
    (settings.corpus / "linked").symlink_to(elsewhere, target_is_directory=True)
    warnings = build_warnings(settings, fake_embedder)
    assert {d.id for d in Index.load(settings.index).docs} == {"guide.md"}
    assert any("linked" in w and "link to a folder is not followed" in w for w in warnings)


def test_the_summary_counts_a_document_with_nothing_to_index_as_skipped_not_added(settings, fake_embedder):
    build_index(settings, fake_embedder)
    (settings.corpus / "other.md").write_text("# Other\n\nOther text.\n")
    (settings.corpus / "empty.md").write_text("   \n")
    (settings.corpus / "latin1.txt").write_bytes("caf\xe9 cr\xe8me".encode("latin-1"))
    lines: list[str] = []
    build_index(settings, fake_embedder, log=lines.append)
    assert "(1 added, 1 unchanged, 2 skipped;" in lines[-1], lines
    (settings.corpus / "guide.md").write_bytes(b"\xff\xfe not utf-8 any more")  # indexed before, skipped now
    build_index(settings, fake_embedder, log=lines.append)
    assert "(1 removed, 1 unchanged, 3 skipped;" in lines[-1], lines
    assert {d.id for d in Index.load(settings.index).docs} == {"other.md"}


def test_a_build_names_the_files_left_out_for_their_type_in_one_line(settings, fake_embedder):
    assert not any(w.startswith("note:") for w in build_warnings(settings, fake_embedder))
    for name in ("a.adoc", "b.adoc", "c.odt", "Makefile", "alternates.yaml", ".hidden.adoc"):
        (settings.corpus / name).write_text("x")
    (settings.corpus / ".git").mkdir()
    (settings.corpus / ".git" / "HEAD").write_text("x")
    notes = [w for w in build_warnings(settings, fake_embedder) if w.startswith("note:")]
    assert notes == ["note: 4 files of types qa does not read left out (.adoc 2, .odt 1, no extension 1); "
                     "it reads .md, .markdown, .txt, .jsonl, .csv, .html, .htm, .rst, .rest, .pdf, .docx."]


def test_broken_and_looping_links_are_skipped_with_a_warning(settings, fake_embedder):
    (settings.corpus / "gone.md").symlink_to(settings.corpus / "nowhere.md")
    (settings.corpus / "self.md").symlink_to(settings.corpus / "self.md")
    (settings.corpus / "a.txt").symlink_to(settings.corpus / "b.txt")
    (settings.corpus / "b.txt").symlink_to(settings.corpus / "a.txt")
    (settings.corpus / "notes.bin").symlink_to(settings.corpus / "nowhere.bin")  # not a document: no word
    warnings = build_warnings(settings, fake_embedder)
    assert {d.id for d in Index.load(settings.index).docs} == {"guide.md"}
    for name in ("gone.md", "self.md", "a.txt", "b.txt"):
        assert sum(name in w and "link that leads to no file" in w for w in warnings) == 1, (name, warnings)
    assert not any("notes.bin" in w for w in warnings)


@pytest.mark.parametrize("where", ["index", "builds"])
def test_an_index_folder_that_is_a_file_fails_before_any_work(settings, fake_embedder, where):
    target = settings.index if where == "index" else settings.index / "builds"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("not a folder")
    with pytest.raises(QAError, match="is a file, not an index folder"):
        build.ensure(settings, lambda s: None, fake_embedder)
    assert fake_embedder.calls == 0


def test_faq_file_ids_keep_their_names_and_a_repeated_one_is_renamed_with_a_warning(settings, fake_embedder):
    (settings.corpus / "a.jsonl").write_text(
        '{"id": "guide.md#p1", "question": "Who?", "answer": "Them."}\n'
        '{"id": "shared", "question": "What?", "answer": "That."}\n')
    (settings.corpus / "b.jsonl").write_text('{"id": "shared", "question": "Where?", "answer": "There."}\n')
    warnings = build_warnings(settings, fake_embedder)
    ids = {p.id: (p.doc_id, p.question) for p in Index.load(settings.index).passages}
    assert ids["guide.md#p1"] == ("a.jsonl", "Who?")  # the id the file gives wins, and the passage says so
    assert ids["guide.md#p1-2"][0] == "guide.md"
    assert any("guide.md:" in w and "'guide.md#p1' is an FAQ entry's own id" in w for w in warnings)
    assert ids["shared"] == ("a.jsonl", "What?") and ids["shared-2"] == ("b.jsonl", "Where?")
    assert any("b.jsonl" in w and "'shared'" in w and "shared-2" in w for w in warnings)


def test_two_headings_alike_in_one_file_are_numbered_without_a_warning(settings, fake_embedder):
    (settings.corpus / "d.md").write_text("# D\n\n## Install\n\n### Why?\n\nBecause.\n\n## Remove\n\n### Why?\n\n"
                                          "Again because.\n")
    warnings = build_warnings(settings, fake_embedder)
    ids = [p.id for p in Index.load(settings.index).passages if p.doc_id == "d.md"]
    assert ids == ["d.md#why", "d.md#why-2"]
    assert not any("d.md" in w for w in warnings)  # nothing the user gave was renamed


def test_a_byte_order_mark_is_not_part_of_any_sentence(write_corpus):
    from qa.corpus import load_corpus

    corpus = write_corpus({"bom.txt": "\ufeffThe Nimbus umbrella folds small. It fits a bag.\n"})
    doc = load_corpus(corpus)[0]
    assert doc.text.startswith("\ufeff")  # offsets stay offsets into the file's text
    assert doc.passages[0].text == "The Nimbus umbrella folds small. It fits a bag."
    assert doc.text[doc.passages[0].start:doc.passages[0].end] == doc.passages[0].text


def test_markdown_readable_texts_are_kept_in_the_build_not_rendered_again_on_load(write_corpus, fake_model, tmp_path,
                                                                                 monkeypatch):
    from conftest import FakeEmbedder

    from qa import markdown

    corpus = write_corpus({"r.md": "# R\n\nSee [the docs](http://example.com/a/b) for `pip` options. Plain one.\n"})
    s = Settings(corpus=corpus, index=tmp_path / "index", model=str(fake_model), query_runtime="sentence-transformers")
    built = build_index(s, FakeEmbedder(fake_model))
    assert built.sentence_text == ["See the docs for pip options.", "Plain one."]
    monkeypatch.setattr(markdown, "plain", lambda text: pytest.fail("rendered again on load"))
    loaded = Index.load(s.index)
    assert loaded.sentence_text == built.sentence_text and loaded.passage_text == built.passage_text
    assert loaded.passages[0].text.startswith("See [the docs](http://example.com/a/b)")  # cited as written


def test_embedded_texts_of_a_loaded_index_are_what_was_embedded(write_corpus, fake_model, tmp_path):
    from conftest import FakeEmbedder

    from qa.index import unit_texts

    corpus = write_corpus({"r.md": "# R\n\n## Why?\n\nBecause **it** is. Yes.\n\nSee [x](http://y) here.\n",
                           "f.jsonl": '{"question": "How?", "answer": "Like `this`."}\n'})
    s = Settings(corpus=corpus, index=tmp_path / "index", model=str(fake_model), query_runtime="sentence-transformers")
    emb = FakeEmbedder(fake_model)
    built = build_index(s, emb)
    texts = unit_texts(built.passages)[0]
    assert Index.load(s.index).embedded_texts() == texts
    assert sorted(emb.embedded) == sorted(texts)  # embedded document by document, the same texts


def test_an_faq_id_equal_to_a_document_id_is_renamed(settings, fake_embedder):
    (settings.corpus / "f.jsonl").write_text('{"id": "guide.md", "question": "Who?", "answer": "Them."}\n')
    warnings = build_warnings(settings, fake_embedder)
    index = Index.load(settings.index)
    assert index.document_of("guide.md").id == "guide.md"  # the document, not the entry
    assert index.passage_by_id["guide.md-2"].doc_id == "f.jsonl"
    assert any("'guide.md' is a document's id" in w and "guide.md-2" in w for w in warnings)


def test_a_symlink_loop_named_as_a_document_is_an_unknown_document(settings, fake_embedder, tmp_path):
    from qa.errors import UnknownDocument

    (tmp_path / "loopa").symlink_to(tmp_path / "loopb")
    (tmp_path / "loopb").symlink_to(tmp_path / "loopa")
    engine = Engine(settings, log=lambda s: None, embedder=fake_embedder)
    with pytest.raises(UnknownDocument):
        engine.ask("how do I pay?", documents=[str(tmp_path / "loopa" / "x.md")])


def test_build_warnings_go_through_the_callers_log(settings, fake_embedder, tmp_path):
    """So that the CLI can neutralise escape sequences in file names it prints."""
    (settings.corpus / "lnk\x1b[41m.md").symlink_to(tmp_path / "outside.md")
    (tmp_path / "outside.md").write_text("# O\n\nOut.\n")
    lines: list[str] = []
    build.ensure(settings, lines.append, fake_embedder)
    assert any("outside the corpus" in line for line in lines)


def test_a_document_the_parser_fails_on_is_skipped_and_the_rest_indexed(settings, fake_embedder, monkeypatch):
    from qa import markdown

    real = markdown.blocks
    def blocks(text, default_title):
        if "BREAKS" in text:
            raise IndexError("boom")
        return real(text, default_title)

    monkeypatch.setattr(markdown, "blocks", blocks)
    (settings.corpus / "odd.md").write_text("# Odd\n\nThis one BREAKS the parser.\n")
    warnings = build_warnings(settings, fake_embedder)
    assert {d.id for d in Index.load(settings.index).docs} == {"guide.md"}
    assert any("odd.md" in w and "could not be parsed (IndexError: boom)" in w for w in warnings)


@pytest.mark.parametrize("text", ["# Old Mac\r\rThe classic mac file says the\rhamster is called Fluffy.\r",
                                  "# Stray\n\nA stray\rcarriage return.\n\n## Sec\n\nSecond para about wombats.\n"])
def test_lone_carriage_returns_are_line_ends_and_nothing_is_lost(tmp_path, text):
    from qa.corpus import load_document

    path = tmp_path / "cr.md"
    path.write_bytes(text.encode())
    doc = load_document(path, "cr.md")
    body = [line for line in text.replace("\r", "\n").split("\n")[1:] if line and not line.startswith("#")]
    joined = " ".join(doc.text[s:e].replace("\r", " ") for p in doc.passages for s, e in p.sentences)
    assert all(any(w in joined for w in line.split()[:2]) for line in body)
    assert "wombats" in joined or "Stray" not in text
    for p in doc.passages:
        assert doc.text[p.start:p.end] == p.text


def test_an_alias_link_in_the_corpus_is_cited_and_chosen_by_its_own_name(settings, fake_embedder, monkeypatch):
    (settings.corpus / "alias.md").symlink_to(settings.corpus / "guide.md")
    engine = Engine(settings, log=lambda s: None, embedder=fake_embedder)
    monkeypatch.chdir(settings.corpus.parent)
    r = engine.ask("how do I pay by card?", documents=["corpus/alias.md"])
    assert r.citations and {c.source for c in r.citations} == {"corpus/alias.md"}
    assert all(c.id.startswith("alias.md#") for c in r.citations)


def test_a_sentence_that_goes_on_a_paragraph_counts_its_opening_sentences_terms(write_corpus, fake_model, tmp_path):
    """Sentence-level BM25: "If disabled, importing is quicker." is about what the sentence that
    opened its list item named; a new paragraph, a new item or an FAQ answer starts afresh."""
    from conftest import FakeEmbedder

    corpus = write_corpus({
        "env.md": "# Env\n\n* `$IMPORT_SYNC` takes a boolean. If disabled, importing is quicker.\n"
                  "* `$OTHER` names a file. It is read once.\n\nA new paragraph here. Nothing else.\n",
        "faq.jsonl": '{"question": "What is zebra?", "answer": "Zebra is a tool. It runs fast."}\n'})
    s = Settings(corpus=corpus, index=tmp_path / "index", model=str(fake_model), query_runtime="sentence-transformers")
    index = build_index(s, FakeEmbedder(fake_model))
    by_text = dict(zip(index.sentence_text, index.sentence_terms()))
    assert {"sync", "boolean"} <= set(by_text["If disabled, importing is quicker."])
    assert "boolean" not in by_text["It is read once."] and "file" in by_text["It is read once."]
    assert not {"file", "read", "boolean"} & set(by_text["Nothing else."])  # a new paragraph, its own lead
    assert "tool" not in by_text["It runs fast."]  # an FAQ answer's question names its topic
    bm25 = index.bm25("sentence").scores("what if import sync is disabled")
    assert int(np.argmax(bm25)) == index.sentence_text.index("If disabled, importing is quicker.")


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_a_line_break_inside_a_paragraph_is_not_a_new_paragraph_for_lead_terms(write_corpus, fake_model, tmp_path,
                                                                                newline):
    from conftest import FakeEmbedder

    text = newline.join(["# Env", "", "The SYSTEMD_IMPORT_SYNC variable takes a boolean.", "If disabled, importing is "
                         "quicker.", "", "A new paragraph here.", ""])
    s = Settings(corpus=write_corpus({"env.md": text.encode()}), index=tmp_path / "index", model=str(fake_model),
                 query_runtime="sentence-transformers")
    index = build_index(s, FakeEmbedder(fake_model))
    by_text = {t.replace("\r\n", " ").replace("\r", " ").replace("\n", " "): terms
               for t, terms in zip(index.sentence_text, index.sentence_terms())}
    assert {"sync", "boolean"} <= set(by_text["If disabled, importing is quicker."])
    assert "boolean" not in by_text["A new paragraph here."]


def test_editing_one_paragraph_of_a_long_document_embeds_only_that_paragraph(write_corpus, fake_model, tmp_path):
    """Unchanged sentences of an edited document keep their vectors; the vectors are the ones a
    full build computes."""
    from conftest import FakeEmbedder

    paragraphs = [f"Paragraph {i} says something. It goes on about item {i}." for i in range(40)]
    corpus = write_corpus({"long.md": "# Long\n\n" + "\n\n".join(paragraphs) + "\n"})
    s = Settings(corpus=corpus, index=tmp_path / "index", model=str(fake_model), query_runtime="sentence-transformers")
    first = build_index(s, FakeEmbedder(fake_model))
    paragraphs[7] = "Paragraph 7 now says something else entirely."
    (corpus / "long.md").write_text("# Long\n\n" + "\n\n".join(paragraphs) + "\n")
    emb, lines = FakeEmbedder(fake_model), []
    second = build_index(s, emb, log=lines.append)
    # of the 80 sentences only the new one; passages whose text moved are embedded whole again
    assert [t for t in emb.embedded if "\n\n" not in t] == ["Paragraph 7 now says something else entirely."]
    assert len(emb.embedded) <= 1 + len(second.passages) and len(first.vectors) > 80
    assert f"; {len(emb.embedded)} unit{'' if len(emb.embedded) == 1 else 's'} embedded" in lines[0]
    full = Index.build(second_docs(second, corpus), FakeEmbedder(fake_model).embed, {})[0]
    assert np.allclose(full.vectors, second.vectors)


def test_editing_one_paragraph_splits_only_that_paragraphs_sentences_again(write_corpus, fake_model, tmp_path,
                                                                           monkeypatch):
    """The sentence splits of a document's unchanged text are kept with the index and reused when
    the document is parsed again; what comes out is what a full parse makes."""
    from conftest import FakeEmbedder
    from qa import corpus as corpus_mod

    paragraphs = [f"Paragraph {i} says something. It goes on about item {i}." for i in range(30)]
    corpus = write_corpus({"long.md": "# Long\n\n" + "\n\n".join(paragraphs) + "\n", "faq.jsonl":
                           "".join(f'{{"question": "Q{i}?", "answer": "A {i}. More on {i}."}}\n' for i in range(20))})
    s = Settings(corpus=corpus, index=tmp_path / "index", model=str(fake_model), query_runtime="sentence-transformers")
    build_index(s, FakeEmbedder(fake_model))
    split, real = [], corpus_mod._split
    monkeypatch.setattr(corpus_mod, "_split", lambda text, a, b: split.append(text[a:b]) or real(text, a, b))
    paragraphs[7] = "Paragraph 7 now says something else. Entirely."
    (corpus / "long.md").write_text("# Long\n\n" + "\n\n".join(paragraphs) + "\n")
    with open(corpus / "faq.jsonl", "a") as f:
        f.write('{"question": "New?", "answer": "A new answer. Two sentences."}\n')
    second = build_index(s, FakeEmbedder(fake_model))
    assert sorted(split) == ["A new answer. Two sentences.", paragraphs[7]]
    monkeypatch.setattr(corpus_mod, "_split", real)
    for doc_id in ("long.md", "faq.jsonl"):  # as parsed from scratch
        fresh = corpus_mod.load_document(corpus / doc_id, doc_id)
        assert second.passages_of(doc_id) == list(fresh.passages)
        assert Index.load(s.index).splits_of(doc_id) == {k: list(v) for k, v in fresh.splits.items()}


def test_a_kept_split_that_does_not_fit_its_text_is_made_again():
    from qa.corpus import Splits, split_key, split_sentences

    text = "One sentence. Another one."
    right = split_sentences(text, 0, len(text))
    for bad in ([0, 99], [0, 5, 9], ["0", "5"], [-1, 4], 7, [3, 1], [True, 5], [0, 5, 4, 9], [0, None], {"a": 1}):
        splits = Splits({split_key(text): bad})
        assert splits.split(text, 0, len(text)) == right
        assert splits.made[split_key(text)] == [o for span in right for o in span]


def test_a_damaged_splits_file_costs_only_the_splitting_never_the_index(write_corpus, fake_model, tmp_path, monkeypatch):
    """splits.json is a cache: truncated, it does not make the build unreadable or stale (nothing is
    embedded again); the next re-index splits everything again and is what a fresh parse makes."""
    from conftest import FakeEmbedder
    from qa import corpus as corpus_mod
    from qa.index import SPLITS_FILE

    corpus = write_corpus({"a.md": "# A\n\nFirst para. Has two.\n\nSecond para here.\n", "b.txt": "Plain text. Two.\n"})
    s = Settings(corpus=corpus, index=tmp_path / "index", model=str(fake_model), query_runtime="sentence-transformers")
    build_index(s, FakeEmbedder(fake_model))
    path = current_build(s.index) / SPLITS_FILE
    path.write_text(path.read_text()[:20])
    loaded = Index.load(s.index)  # checksums of the index proper still hold
    assert stale_reason(s) is None and loaded.splits_of("a.md") == {}
    (corpus / "a.md").write_text("# A\n\nFirst para. Has two.\n\nSecond para changed.\n")
    split, real = [], corpus_mod._split
    monkeypatch.setattr(corpus_mod, "_split", lambda text, a, b: split.append(text[a:b]) or real(text, a, b))
    emb = FakeEmbedder(fake_model)
    rebuilt = build_index(s, emb)
    assert sorted(split) == ["First para. Has two.", "Second para changed."]  # nothing kept to reuse
    assert "Second para changed." in emb.embedded and "First para." not in emb.embedded  # vectors still reused
    monkeypatch.setattr(corpus_mod, "_split", real)
    assert rebuilt.passages_of("a.md") == list(corpus_mod.load_document(corpus / "a.md", "a.md").passages)
    assert Index.load(s.index).splits_of("a.md")  # and the cache is whole again


def test_did_you_mean_names_each_question_once(fake_engine, fake_model):
    """The same FAQ in two files (Debian ships identical READMEs), or one entry split into passages:
    "Did you mean" offers each question once."""
    from conftest import FakeEmbedder

    from qa import answer

    faq = '{"question": "How do I reset my password?", "answer": "Use the reset link."}\n' \
          '{"question": "How do I pay?", "answer": "By card."}\n'
    engine = fake_engine({"a.jsonl": faq, "b/a.jsonl": faq})
    qvec = FakeEmbedder(fake_model).embed(["How do I reset my password?"])[0]
    suggestions = answer.faq_suggestions(engine.index, qvec)
    assert len(suggestions) == len(set(suggestions)) and "How do I reset my password?" in suggestions


def test_reading_many_documents_on_a_terminal_shows_a_bar_and_still_warns(settings, fake_embedder, monkeypatch, capsys):
    import sys

    from qa import build

    for i in range(3):
        (settings.corpus / f"doc{i}.md").write_text(f"# Doc {i}\n\nThe widget number {i} is described here.\n")
    (settings.corpus / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    monkeypatch.setattr(build, "PARSE_PROGRESS", 1)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    build_index(settings, fake_embedder, log=lambda line: None)
    err = capsys.readouterr().err
    assert "Reading" in err and "broken.pdf" in err and "not a readable PDF" in err
    assert {d.id for d in Index.load(settings.index).docs} >= {"doc0.md", "doc1.md", "doc2.md"}


def test_an_index_folder_inside_the_corpus_is_not_read_as_part_of_it(write_corpus, fake_model, fake_embedder):
    corpus = write_corpus({"guide.md": DOC, "notes.adoc": "= Notes"})
    s = Settings(corpus=corpus, index=corpus / "idx", model=str(fake_model), query_runtime="sentence-transformers")
    build.update(s, None, lambda: fake_embedder, log=lambda line: None, warn=lambda line: None)
    assert (corpus / "idx" / "CURRENT").exists() and build.current(s)[0] is not None  # its own files change nothing
    notes: list[str] = []
    (corpus / "guide.md").write_text(DOC + "\nMore.\n")
    index = build.update(s, build.current(s)[1], lambda: fake_embedder, log=lambda line: None, warn=notes.append)
    assert list(index.manifest["files_sha"]) == ["guide.md"]
    assert [n for n in notes if n.startswith("note: ")] == [
        "note: 1 file of types qa does not read left out (.adoc 1); it reads .md, .markdown, .txt, .jsonl, .csv, "
        ".html, .htm, .rst, .rest, .pdf, .docx."]
