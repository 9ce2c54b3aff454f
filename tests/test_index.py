from pathlib import Path

import pytest

from qa.config import Settings
from qa.engine import Engine, build_index, stale_reason
from qa.errors import IndexError_
from qa.index import Index, current_build

DOC = "# Guide\n\n## Billing\n\nInvoices are sent monthly. Pay by card.\n\n## How do I reset my password?\n\nUse the reset link.\n"


@pytest.fixture
def settings(write_corpus, fake_model, tmp_path) -> Settings:
    return Settings(corpus=write_corpus({"guide.md": DOC}), index=tmp_path / "index", model=str(fake_model))


def test_build_save_load_round_trip(settings, fake_embedder):
    built = build_index(settings, fake_embedder, log=lambda s: None)
    loaded = Index.load(settings.index)
    assert [p.id for p in loaded.passages] == [p.id for p in built.passages]
    assert loaded.vectors.shape == built.vectors.shape
    assert loaded.manifest["documents"] == 1 and loaded.manifest["passages"] == 2
    assert loaded.manifest["corpus_hash"] == built.manifest["corpus_hash"]
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
    build_index(settings, fake_embedder, log=lambda s: None)  # the next build sweeps it away
    assert not leftover.exists()
    assert len(list((settings.index / "builds").iterdir())) == 1
