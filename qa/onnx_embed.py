"""Query-time embeddings without torch: a sentence-transformers model exported once to ONNX.

`export_onnx(model_path, out_dir)` loads the sentence-transformers model (torch, slow, done once
per model, e.g. when an index is built) and writes a self-contained folder:

    model.onnx          the transformer; inputs input_ids, attention_mask [, token_type_ids],
                        output token_embeddings (last_hidden_state), dynamic batch and sequence axes
    tokenizer.json      the tokenizer exactly as sentence-transformers configured it
    onnx_config.json    pooling, normalization, max_seq_length, padding, source fingerprint;
                        written last, so its presence marks a complete export

`OnnxEmbedder(folder)` runs it with onnxruntime + tokenizers + numpy only (no torch, transformers
or sentence_transformers are imported), pooling and normalizing as sentence-transformers does, so
its vectors match `qa.embed.Embedder` to cosine > 0.9999.

Importing this module is cheap: every heavy import happens inside the functions that need it.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from qa.errors import ModelError

ONNX_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "onnx_config.json"
FORMAT = 1
OPSET = 17
SUPPORTED_POOLING = ("mean", "cls", "max", "mean_sqrt_len_tokens")
MAX_SINGLE_FILE_BYTES = 1_900_000_000  # protobuf's 2 GiB limit: bigger models need external data


class OnnxExportError(ModelError):
    """The model could not be exported to ONNX (unsupported architecture or modules, or a failed check)."""


# ---------------------------------------------------------------------------------------------
# export (torch side)
# ---------------------------------------------------------------------------------------------

def export_onnx(model_path: str, out_dir: Path, *, opset: int = OPSET, verify: bool = True) -> Path:
    """Export the sentence-transformers model in `model_path` into `out_dir`; returns `out_dir`.

    Each file is written to a temporary name and moved into place with os.replace; the config is
    moved last, so a reader that finds onnx_config.json finds a complete export. With `verify`,
    the ONNX graph is run with onnxruntime on two batches of different shapes and compared with
    torch before anything is moved into place. Raises OnnxExportError on any failure.
    """
    from qa.embed import check_model_dir, model_fingerprint

    folder = check_model_dir(str(model_path))
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:  # a read-only index folder: the caller falls back to sentence-transformers
        raise OnnxExportError(f"Cannot write the ONNX export into '{out_dir}': {e.strerror or e}") from None
    t0 = time.perf_counter()

    for key, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"),
                       ("TOKENIZERS_PARALLELISM", "false"), ("HF_HUB_DISABLE_PROGRESS_BARS", "1")):
        os.environ.setdefault(key, value)
    try:
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging
    except ImportError as e:
        raise OnnxExportError(f"Exporting to ONNX needs torch and sentence-transformers: {e}") from None
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        st = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    except Exception as e:
        raise OnnxExportError(f"Cannot load the model in '{folder}': {type(e).__name__}: {e}".splitlines()[0]) from None
    st.eval()

    spec = _model_spec(st, folder)
    hf_model, tokenizer = spec.pop("_hf_model"), spec.pop("_tokenizer")
    n_bytes = sum(p.numel() * p.element_size() for p in hf_model.parameters())
    if n_bytes > MAX_SINGLE_FILE_BYTES:
        raise OnnxExportError(f"The model in '{folder}' has {n_bytes / 1e9:.1f} GB of weights; "
                              "a single-file ONNX export is limited to 2 GB.")
    # The eager attention graph (MatMul/Softmax) is the pattern onnxruntime's attention fusion
    # knows best, and it has no data-dependent "skip the mask" branch for the tracer to freeze.
    if hasattr(hf_model, "set_attn_implementation"):
        try:
            hf_model.set_attn_implementation("eager")
        except Exception:  # noqa: BLE001 - some architectures only have one implementation
            pass

    input_names = spec["inputs"]

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, *tensors):
            out = self.model(**dict(zip(input_names, tensors)), return_dict=True)
            return out.last_hidden_state

    wrapper = TokenEmbeddings(hf_model).eval()
    # Two texts of different lengths: the dummy batch has padding, so the attention mask is traced
    # as data, never folded away as "all ones".
    sample = _encode_torch(tokenizer, ["The quick brown fox jumps over the lazy dog near the river bank.", "Hi"],
                           input_names, spec["max_seq_length"])
    dynamic = {name: {0: "batch", 1: "sequence"} for name in input_names + ["token_embeddings"]}

    try:
        fd, tmp_onnx = tempfile.mkstemp(prefix=".model-", suffix=".onnx.tmp", dir=out_dir)
    except OSError as e:
        raise OnnxExportError(f"Cannot write the ONNX export into '{out_dir}': {e.strerror or e}") from None
    os.close(fd)
    tmp_files = [tmp_onnx]
    try:
        try:
            import warnings

            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.onnx.export(wrapper, tuple(sample[n] for n in input_names), tmp_onnx,
                                  input_names=input_names, output_names=["token_embeddings"],
                                  dynamic_axes=dynamic, opset_version=opset, do_constant_folding=True,
                                  dynamo=False)
        except Exception as e:
            hint = " (the 'onnx' package is required: pip install onnx)" if "onnx" in str(e).lower() \
                and "not installed" in str(e).lower() else ""
            raise OnnxExportError(f"torch.onnx.export failed for '{folder}': {type(e).__name__}: "
                                  f"{str(e).splitlines()[0] if str(e) else ''}{hint}") from e
        if verify:
            _verify(tmp_onnx, wrapper, tokenizer, input_names, spec["max_seq_length"])

        from tokenizers import Tokenizer

        backend = getattr(tokenizer, "backend_tokenizer", None)
        if backend is not None:
            # The tokenizer as transformers/sentence-transformers loaded it (do_lower_case and other
            # tokenizer_config.json adjustments included), not just the raw file.
            tok = Tokenizer.from_str(backend.to_str())
        elif (folder / TOKENIZER_FILE).is_file():
            tok = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        else:
            raise OnnxExportError(f"The model in '{folder}' has no fast tokenizer (tokenizer.json).")
        tok.no_padding()
        tok.no_truncation()
        tmp_tok = _tmp_write(out_dir, TOKENIZER_FILE, tok.to_str())
        tmp_files.append(tmp_tok)

        config = dict(spec, format=FORMAT, opset=opset, source_model=str(folder),
                      fingerprint=model_fingerprint(str(folder)), onnx_bytes=os.path.getsize(tmp_onnx),
                      torch=torch.__version__, export_seconds=round(time.perf_counter() - t0, 2))
        tmp_cfg = _tmp_write(out_dir, CONFIG_FILE, json.dumps(config, indent=2))
        tmp_files.append(tmp_cfg)

        os.replace(tmp_onnx, out_dir / ONNX_FILE)
        os.replace(tmp_tok, out_dir / TOKENIZER_FILE)
        os.replace(tmp_cfg, out_dir / CONFIG_FILE)
    finally:
        for f in tmp_files:
            if os.path.exists(f):
                os.unlink(f)
    return out_dir


def _model_spec(st, folder: Path) -> dict:
    """Read what the ONNX side must reproduce from the loaded modules; reject what it cannot."""
    modules = list(st)
    if not modules or type(modules[0]).__name__ != "Transformer":
        raise OnnxExportError(f"'{folder}': the first module is {type(modules[0]).__name__ if modules else 'missing'}, "
                              "not a sentence-transformers Transformer.")
    transformer = modules[0]
    hf_model = getattr(transformer, "model", None)
    if hf_model is None:  # sentence-transformers < 6
        hf_model = getattr(transformer, "auto_model", None)
    tokenizer = getattr(transformer, "tokenizer", None)
    if hf_model is None or tokenizer is None:
        raise OnnxExportError(f"'{folder}': the Transformer module has no text model or tokenizer.")
    text_cfg = getattr(transformer, "modality_config", {}).get("text") if hasattr(transformer, "modality_config") else None
    if text_cfg and (text_cfg.get("method") != "forward"
                     or text_cfg.get("method_output_name") not in ("last_hidden_state", ("last_hidden_state",), ["last_hidden_state"])):
        raise OnnxExportError(f"'{folder}': the text path is {text_cfg}, not forward -> last_hidden_state.")
    for attr in ("query_length", "document_length"):
        if getattr(transformer, attr, None):
            raise OnnxExportError(f"'{folder}': per-task {attr} is not supported by the ONNX path.")

    pooling, normalize = None, False
    for module in modules[1:]:
        name = type(module).__name__
        if name == "Pooling" and pooling is None:
            pooling = _pooling_mode(module, folder)
        elif name == "Normalize":
            normalize = True
        else:
            raise OnnxExportError(f"'{folder}': module {name} is not supported by the ONNX path "
                                  "(supported: Transformer, Pooling, Normalize).")
    if pooling is None:
        raise OnnxExportError(f"'{folder}': no Pooling module; token embeddings cannot be pooled.")

    prompt = ""
    default_prompt = getattr(st, "default_prompt_name", None)
    if default_prompt:
        prompt = (getattr(st, "prompts", None) or {}).get(default_prompt, "")
        if prompt and not getattr(modules[1], "include_prompt", True):
            raise OnnxExportError(f"'{folder}': a default prompt excluded from pooling is not supported.")

    import inspect

    probe = tokenizer(["a"], return_tensors="np")
    params = inspect.signature(hf_model.forward).parameters
    inputs = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in probe and n in params]
    if "input_ids" not in inputs or "attention_mask" not in inputs:
        raise OnnxExportError(f"'{folder}': the model takes {list(params)}, not input_ids and attention_mask.")

    max_len = transformer.max_seq_length
    if not isinstance(max_len, int) or max_len <= 0 or max_len > 1_000_000:
        max_len = getattr(hf_model.config, "max_position_embeddings", 512)
    if tokenizer.pad_token_id is None:
        raise OnnxExportError(f"'{folder}': the tokenizer has no padding token.")
    dim = st.get_embedding_dimension() if hasattr(st, "get_embedding_dimension") \
        else st.get_sentence_embedding_dimension()
    return {
        "_hf_model": hf_model, "_tokenizer": tokenizer,
        "architecture": type(hf_model).__name__,
        "inputs": inputs,
        "output": "token_embeddings",
        "dim": int(dim),
        "hidden_size": int(getattr(hf_model.config, "hidden_size", dim)),
        "max_seq_length": int(max_len),
        "pooling": pooling,
        "normalize": normalize,
        "do_lower_case": bool(getattr(transformer, "do_lower_case", False)),  # already in tokenizer.json
        "prompt": prompt,
        "pad_id": int(tokenizer.pad_token_id),
        "pad_token": str(tokenizer.pad_token),
        "pad_type_id": int(getattr(tokenizer, "pad_token_type_id", 0) or 0),
        "padding_side": str(getattr(tokenizer, "padding_side", "right")),
        "truncation_side": str(getattr(tokenizer, "truncation_side", "right")),
    }


def _pooling_mode(module, folder: Path) -> str:
    mode = getattr(module, "pooling_mode", None)
    if mode is None:  # sentence-transformers < 6: boolean flags
        cfg = module.get_config_dict()
        modes = [m for key, m in (("pooling_mode_cls_token", "cls"), ("pooling_mode_mean_tokens", "mean"),
                                  ("pooling_mode_max_tokens", "max"),
                                  ("pooling_mode_mean_sqrt_len_tokens", "mean_sqrt_len_tokens"),
                                  ("pooling_mode_weightedmean_tokens", "weightedmean"),
                                  ("pooling_mode_lasttoken", "lasttoken")) if cfg.get(key)]
        mode = modes[0] if len(modes) == 1 else tuple(modes)
    if isinstance(mode, (list, tuple)):
        if len(mode) != 1:
            raise OnnxExportError(f"'{folder}': combined pooling {list(mode)} is not supported by the ONNX path.")
        mode = mode[0]
    if mode not in SUPPORTED_POOLING:
        raise OnnxExportError(f"'{folder}': pooling mode '{mode}' is not supported by the ONNX path "
                              f"(supported: {', '.join(SUPPORTED_POOLING)}).")
    return str(mode)


def _encode_torch(tokenizer, texts: list[str], names: list[str], max_len: int) -> dict:
    enc = tokenizer(texts, padding=True, truncation="longest_first", max_length=max_len, return_tensors="pt")
    return {n: enc[n] for n in names}


def _verify(onnx_file: str, wrapper, tokenizer, names: list[str], max_len: int) -> None:
    """Run the exported graph on batches of shapes other than the traced one and compare with torch."""
    import onnxruntime as ort
    import torch

    try:
        session = ort.InferenceSession(onnx_file, providers=["CPUExecutionProvider"])
    except Exception as e:
        raise OnnxExportError(f"onnxruntime cannot load the exported graph: {type(e).__name__}: {e}") from e
    for texts in (["what is inference?"],
                  ["one", "a somewhat longer sentence, with punctuation; and more words to pad the rest", "$13B"]):
        enc = _encode_torch(tokenizer, texts, names, max_len)
        with torch.no_grad():
            ref = wrapper(*(enc[n] for n in names)).numpy()
        got = session.run(None, {n: enc[n].numpy().astype(np.int64) for n in names})[0]
        mask = enc["attention_mask"].numpy()[..., None].astype(bool)
        err = float(np.abs((got - ref) * mask).max()) if got.shape == ref.shape else float("inf")
        if not err < 1e-3:
            raise OnnxExportError(f"The exported graph disagrees with torch (max abs error {err:.3g} "
                                  f"on a batch of shape {tuple(ref.shape)}).")


def _tmp_write(out_dir: Path, name: str, text: str) -> str:
    fd, tmp = tempfile.mkstemp(prefix=f".{name}-", suffix=".tmp", dir=out_dir)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    return tmp


# ---------------------------------------------------------------------------------------------
# query side (onnxruntime + tokenizers + numpy only)
# ---------------------------------------------------------------------------------------------

def read_config(folder: Path) -> dict | None:
    """The export's config, or None when `folder` holds no complete export of this format."""
    try:
        config = json.loads((Path(folder) / CONFIG_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        return None
    onnx = Path(folder) / ONNX_FILE
    if not onnx.is_file() or onnx.stat().st_size != config.get("onnx_bytes") \
            or not (Path(folder) / TOKENIZER_FILE).is_file():
        return None
    return config


def is_current(folder: Path, model_path: str) -> bool:
    """Whether `folder` holds a complete export of the model now in `model_path` (by fingerprint)."""
    from qa.embed import model_fingerprint

    config = read_config(folder)
    if config is None:
        return False
    try:
        return config.get("fingerprint") == model_fingerprint(model_path)
    except ModelError:
        return False


def ensure_onnx(model_path: str, out_dir: Path) -> Path:
    """`out_dir` if it already holds a complete export of this model (same fingerprint), else export into it.

    Raises OnnxExportError (a ModelError) when the model cannot be exported; callers fall back to
    qa.embed.Embedder then.
    """
    if is_current(out_dir, model_path):
        return Path(out_dir)
    return export_onnx(model_path, out_dir)


OPTIMIZATION_LEVELS = ("disable", "basic", "extended", "all")


def session_options(threads: int | None = None, optimization: str = "all"):
    """onnxruntime options for low single-query latency on a small CPU (measured: bench/embed_runtime.py
    --options, all-MiniLM-L6-v2 on 2 cores, each configuration in fresh processes).

    - graph optimization "all" (default): constant folding plus the CPU fusions (LayerNorm, GELU,
      MatMul+Add). It costs ~10 ms of session start (101 vs 91 ms with "disable") and gives the best
      batch throughput (~300 vs ~260 texts/s); batch-1 latency is ~2 ms at every level. "extended"
      yields the same graph on CPU; a graph pre-optimized at export time saved only those 10 ms.
    - intra-op threads = the CPU count (2 here): 2.0 ms per query vs 2.7 ms with 1 thread, and twice
      the batch throughput.
    - spinning off: on an idle box spinning saves ~0.4 ms per query, but when the 2 cores are shared
      (a server, tests, a browser) spinning workers fight for them and p50 went from ~3 to ~7-8 ms.
    - one inter-op thread, sequential execution: a BERT graph is a chain; parallel branches buy nothing.
    - weight prepacking stays on: turning it off saves ~40 ms of session start but nearly triples
      per-query latency.
    """
    import onnxruntime as ort

    if optimization not in OPTIMIZATION_LEVELS:
        raise ValueError(f"optimization must be one of {OPTIMIZATION_LEVELS}, not {optimization!r}")
    levels = dict(zip(OPTIMIZATION_LEVELS, (ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
                                            ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
                                            ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                                            ort.GraphOptimizationLevel.ORT_ENABLE_ALL)))
    so = ort.SessionOptions()
    so.graph_optimization_level = levels[optimization]
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.intra_op_num_threads = max(1, int(threads or os.cpu_count() or 1))
    so.inter_op_num_threads = 1
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    so.add_session_config_entry("session.inter_op.allow_spinning", "0")
    so.log_severity_level = 3
    return so


class OnnxEmbedder:
    """Same contract as qa.embed.Embedder: `.embed(texts)` -> (n, dim) float32 unit rows, `.dim`, `.path`.

    `.path` is the sentence-transformers folder the export came from (what Embedder.path is), so
    model_name()/model_fingerprint() keep working; `.folder` is the export's own folder and
    `.fingerprint` the source model's fingerprint recorded at export time.
    """

    def __init__(self, folder: Path, threads: int | None = None, batch_size: int = 64, optimization: str = "all"):
        folder = Path(folder)
        if folder.is_file():
            folder = folder.parent
        config = read_config(folder)
        if config is None:
            raise ModelError(f"'{folder}' holds no complete ONNX export (expected {ONNX_FILE}, {TOKENIZER_FILE} "
                             f"and {CONFIG_FILE} of format {FORMAT}).")
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.config = config
        self.folder = folder
        self.path = config["source_model"]
        self.fingerprint = config.get("fingerprint", "")
        self.dim = int(config["dim"])
        self.batch_size = batch_size
        self.max_seq_length = int(config["max_seq_length"])
        self.pooling = config["pooling"]
        self.normalize = bool(config["normalize"])
        self.prompt = config.get("prompt", "")
        try:
            self.session = ort.InferenceSession(str(folder / ONNX_FILE), session_options(threads, optimization),
                                                providers=["CPUExecutionProvider"])
            tok = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        except Exception as e:
            raise ModelError(f"Cannot load the ONNX export in '{folder}': {type(e).__name__}: {e}".splitlines()[0]) from None
        tok.enable_truncation(self.max_seq_length, strategy="longest_first",
                              direction=config.get("truncation_side", "right"))
        tok.enable_padding(direction=config.get("padding_side", "right"), pad_id=int(config["pad_id"]),
                           pad_type_id=int(config.get("pad_type_id", 0)), pad_token=config["pad_token"])
        self.tokenizer = tok
        self.input_names = [i.name for i in self.session.get_inputs()]

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        texts = [self.prompt + t for t in texts] if self.prompt else list(texts)
        if len(texts) <= self.batch_size:
            return self._embed_batch(texts)
        # Sort by length so each batch pads little (as sentence-transformers does), then restore order.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        starts = range(0, len(order), self.batch_size)
        if progress:  # tqdm: the same bar sentence-transformers shows
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc="Embedding", unit="batch")
        for s in starts:
            idx = order[s:s + self.batch_size]
            out[idx] = self._embed_batch([texts[i] for i in idx])
        return out

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.input_names:
            feed["token_type_ids"] = np.array([e.type_ids for e in encodings], dtype=np.int64)
        tokens = self.session.run(None, {n: feed[n] for n in self.input_names})[0]
        return self._pool(tokens, mask)

    def _pool(self, tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
        m = mask[..., None].astype(tokens.dtype)
        if self.pooling == "cls":
            first = mask.argmax(axis=1)  # first attended token: position 0 unless padded on the left
            vecs = tokens[np.arange(len(tokens)), first]
        elif self.pooling == "max":
            vecs = np.where(m > 0, tokens, -np.inf).max(axis=1)
        else:  # mean, mean_sqrt_len_tokens
            counts = np.clip(m.sum(axis=1), 1e-9, None)
            vecs = (tokens * m).sum(axis=1) / (counts if self.pooling == "mean" else np.sqrt(counts))
        vecs = vecs.astype(np.float32, copy=False)
        # Always unit rows, like Embedder (normalize_embeddings=True), whether or not the model has a
        # Normalize module; same formula as torch.nn.functional.normalize: x / max(||x||, 1e-12).
        vecs = vecs / np.clip(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12, None)
        return np.ascontiguousarray(vecs, dtype=np.float32)
