"""Shared fixtures: a deterministic fake embedder for logic tests, one real engine for the rest."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


class FakeEmbedder:
    """Bag of hashed words: texts sharing words are close. Fast, deterministic, no model."""

    dim = 64

    def __init__(self, path: Path):
        self.path = str(path)
        self.calls = 0
        self.embedded: list[str] = []

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        self.calls += 1
        self.embedded += texts
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in re.findall(r"\w+", t.lower()):
                out[i, int(hashlib.md5(w.encode()).hexdigest(), 16) % self.dim] += 1.0
            out[i] /= max(np.linalg.norm(out[i]), 1e-9)
        return out


@pytest.fixture
def fake_model(tmp_path: Path) -> Path:
    folder = tmp_path / "fake-model"
    folder.mkdir()
    (folder / "config.json").write_text('{"fake": true}')
    return folder


@pytest.fixture
def fake_embedder(fake_model: Path) -> FakeEmbedder:
    return FakeEmbedder(fake_model)


@pytest.fixture
def write_corpus(tmp_path: Path):
    """Write {name: text} into a fresh corpus folder and return it."""

    def write(files: dict[str, str | bytes]) -> Path:
        corpus = tmp_path / "corpus"
        corpus.mkdir(exist_ok=True)
        for name, text in files.items():
            path = corpus / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        return corpus

    return write


@pytest.fixture
def fake_engine(write_corpus, fake_model: Path, tmp_path: Path):
    """An engine over {name: text} files, embedding with the fake embedder (no real model)."""

    def make(files: dict[str, str | bytes]):
        from qa.config import Settings
        from qa.engine import Engine

        s = Settings(corpus=write_corpus(files), index=tmp_path / "index", model=str(fake_model),
                     query_runtime="sentence-transformers")
        return Engine(s, log=lambda line: None, embedder=FakeEmbedder(fake_model))

    return make


@pytest.fixture(scope="session")
def real_embedder():
    from qa.config import default_model_path
    from qa.embed import Embedder

    return Embedder(default_model_path())


@pytest.fixture(scope="session")
def engine(real_embedder, tmp_path_factory):
    """The default corpus with the real model, indexed once for the whole session."""
    from qa.config import Settings
    from qa.engine import Engine

    index, data = tmp_path_factory.mktemp("index"), tmp_path_factory.mktemp("data")
    return Engine(Settings(corpus=CORPUS, index=index, data=data), log=lambda line: None, embedder=real_embedder)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
