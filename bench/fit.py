"""Fit the confidence model (qa/calibration.json) on the development questions.

    python bench/fit.py [--write]

Uses tests/eval/dev.jsonl and tests/eval/dev2.jsonl only; prints the fit and, for information,
the scores on tests/eval/questions.jsonl, which it never trains on. Label: 1 when the top
passage contains the expected text, 0 otherwise (wrong passage, or the question has no answer).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.answer import answer_span, span_text  # noqa: E402
from qa.calibration import FEATURES, PARAMS, QueryFacts, features  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.engine import Engine  # noqa: E402

LABEL = "answerable"
TRAIN = ("dev.jsonl", "dev2.jsonl")
HELD_OUT = ("questions.jsonl",)


def examples(engine: Engine, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X, y, answerable = [], [], []
    for line in (ROOT / "tests" / "eval" / name).read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        query, _, hits = engine.search(row["question"], 3)
        top = hits[0]
        X.append(features(engine.index, hits, QueryFacts.of(engine.index, query), span_text(engine.index, top, answer_span(engine.index, top))))
        exp = row["expected"]
        y.append(exp is not None and exp in engine.index.passages[top.passage].text)
        answerable.append(exp is not None)
    return np.array(X), np.array(y, float), np.array(answerable)


def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float = 0.01, steps: int = 20000) -> tuple[np.ndarray, float]:
    """Plain L2-regularised logistic regression by gradient descent on standardised features."""
    mu, sd = X.mean(0), X.std(0) + 1e-9
    Z = (X - mu) / sd
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(Z @ w + b)))
        w -= 0.1 * (Z.T @ (p - y) / len(y) + l2 * w)
        b -= 0.1 * float(np.mean(p - y))
    return w / sd, b - float(np.sum(w * mu / sd))


def decisions(X, y, answerable, coef, intercept, threshold) -> str:
    p = 1 / (1 + np.exp(-(X @ coef + intercept)))
    ans = p >= threshold
    ok = int(np.sum(ans & (y == 1)))
    return (f"answered right {ok}/{int(answerable.sum())}, abstained {int(np.sum(~ans & ~answerable))}/"
            f"{int((~answerable).sum())}, false abstentions {int(np.sum(~ans & answerable))}, "
            f"answered wrong {int(np.sum(ans & answerable & (y == 0)))}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", action="store_true", help=f"write the fit to {PARAMS}")
    args = ap.parse_args()
    engine = Engine(Settings(corpus=ROOT / "corpus"))
    data = {name: examples(engine, name) for name in TRAIN + HELD_OUT}
    X = np.vstack([data[n][0] for n in TRAIN])
    y = np.concatenate([data[n][1] for n in TRAIN])
    coef, intercept = fit_logistic(X, np.concatenate([data[n][2] for n in TRAIN]).astype(float) if LABEL == "answerable" else y)
    print("| feature | coefficient |\n|---|---|")
    for name, c in zip(FEATURES, coef):
        print(f"| {name} | {c:+.3f} |")
    print(f"| intercept | {intercept:+.3f} |\n")
    for name in TRAIN + HELD_OUT:
        print(f"{name:16s} {decisions(*data[name], coef, intercept, 0.5)}")
    if args.write:
        PARAMS.write_text(json.dumps({"features": list(FEATURES), "coef": [round(float(c), 4) for c in coef],
                                      "intercept": round(intercept, 4), "threshold": 0.5,
                                      "fitted_on": list(TRAIN)}, indent=2) + "\n")
        print(f"\nwrote {PARAMS}")


if __name__ == "__main__":
    main()
