"""Fit the confidence model (qa/calibration.json).

    python bench/fit.py [--write] [--stackfaq ../shared/data/stackfaq]

Training data, and nothing else: the article's development questions (tests/eval/dev.jsonl,
dev2.jsonl), StackFAQ group A under its abstention protocol (threads corpus, 25 threads left
out) — the split its README allows tuning on — and the development sets over other documents
(tests/eval/{other,blind,faqtext,fresh,devdocs,fresh2}: READMEs, Debian/npm/pip docs, plain-text
FAQs, ...). The three kinds weigh the same in the fit (TRAINING). Printed for information, never
trained on: tests/eval/questions.jsonl and StackFAQ group B; each document set is also scored by
a fit made without it ("left out"), to show what the model does on documents it has not seen.
The blind sets (tests/eval/fresh5 and later) are never read here; fresh3 and fresh4, retired
since the fit was made, are not in it.
Label: the corpus holds an answer to the question. Features are relative to each corpus's own
null scores (qa/selfcal.py), so one model serves every corpus.

Until 2026-11-28 the fit saw the article and StackFAQ only (training on the READMEs too was tried
once: it declined fewer of the article's unanswerable questions). With six document sets, each set
scored by a fit made without it: 35 of their 97 unanswerable questions declined and 11 of their
389 answerable ones refused, against 39 and 29 for the article-and-StackFAQ fit; the article's
development sets decline 21 of 40 either way (BENCHMARKS.md has the figures).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from qa.answer import span_text  # noqa: E402
from qa.span import answer_sentences, answer_span  # noqa: E402
from qa.calibration import FEATURES, PARAMS, Calibration, QueryFacts, features  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.engine import Engine  # noqa: E402


def example(engine: Engine, question: str) -> tuple[list[float], int]:
    query, _, hits = engine.search(question, 3)
    hits = [h for h in hits if answer_sentences(engine.index, h.passage).any()] or hits  # as qa.answer.respond
    top = hits[0]
    span = span_text(engine.index, top, answer_span(engine.index, top, pairs=False))  # as qa.answer.respond
    return features(engine.index, hits, QueryFacts.of(engine.index, query), span), top.passage


def article_set(engine: Engine, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X, answerable, right = [], [], []
    for line in (ROOT / "tests" / "eval" / name).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        x, top = example(engine, row["question"])
        X.append(x)
        answerable.append(row["expected"] is not None)
        right.append(row["expected"] is not None and row["expected"] in engine.index.passages[top].text)
    return np.array(X), np.array(answerable), np.array(right)


def stackfaq_sets(data: Path) -> dict[str, tuple]:
    import stackfaq

    removed = set((data / "abstain_threads.txt").read_text().split())
    threads = [r for r in stackfaq.read_jsonl(data / "threads" / "faq.jsonl") if r["id"] not in removed]
    engine = stackfaq.engine_for(threads, Path("/tmp/qa-fit-stackfaq"))
    out: dict[str, list] = {"A": [[], [], []], "B": [[], [], []]}
    for q in stackfaq.read_jsonl(data / "threads" / "queries.jsonl"):
        x, top = example(engine, q["query"])
        ans = q["gold"][0] not in removed
        for lst, v in zip(out[q["group"]], (x, ans, ans and engine.index.passages[top].id in q["gold"])):
            lst.append(v)
    return {f"stackfaq-{g}": tuple(np.array(v) for v in vals) for g, vals in out.items()}


def fit_logistic(X, y, weight, l2: float = 0.01, steps: int = 20000) -> tuple[np.ndarray, float]:
    """L2-regularised, sample-weighted logistic regression by gradient descent on standardised features."""
    mu, sd = X.mean(0), X.std(0) + 1e-9
    Z, w, b = (X - mu) / sd, np.zeros(X.shape[1]), 0.0
    weight = weight / weight.sum()
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(Z @ w + b)))
        w -= 0.5 * (Z.T @ (weight * (p - y)) + l2 * w)
        b -= 0.5 * float(np.sum(weight * (p - y)))
    return w / sd, b - float(np.sum(w * mu / sd))


ARTICLE = ("dev.jsonl", "dev2.jsonl")
DOCUMENTS = ("other", "blind", "faqtext", "fresh", "devdocs", "fresh2")
TRAINING = ARTICLE + ("stackfaq-A",) + DOCUMENTS


def training_weights(sets: dict[str, tuple], names: tuple[str, ...]) -> np.ndarray:
    """The article, StackFAQ and the document sets weigh a third each, each by what its own
    protocol scores: on the article every question counts once (its targets count errors: false
    abstentions and wrong answers alike); on StackFAQ answerable and unanswerable queries weigh
    half each (its protocol scores balanced accuracy); the document sets weigh the same, and
    inside each every question counts once."""
    docs = [n for n in names if n in DOCUMENTS]
    n_article = sum(len(sets[n][1]) for n in names if n in ARTICLE)
    out = []
    for n in names:
        answerable = sets[n][1]
        if n.startswith("stackfaq"):
            out.append(np.where(answerable, 0.5 / max(answerable.sum(), 1), 0.5 / max((~answerable).sum(), 1)))
        elif n in ARTICLE:
            out.append(np.full(len(answerable), 1 / n_article))
        else:
            out.append(np.full(len(answerable), 1 / len(docs) / len(answerable)))
    return np.concatenate(out)


def fit(sets: dict[str, tuple], names: tuple[str, ...]) -> tuple[np.ndarray, float]:
    X = np.vstack([sets[n][0] for n in names])
    y = np.concatenate([sets[n][1] for n in names]).astype(float)
    return fit_logistic(X, y, training_weights(sets, names))


def sweep(X, answerable, right, coef, intercept, t) -> str:
    ans = 1 / (1 + np.exp(-(X @ coef + intercept))) >= t
    return (f"{np.mean(ans[answerable] & right[answerable]):.2f}/{np.mean(~ans[~answerable]):.2f}/"
            f"{np.mean(~ans[answerable]):.2f}")


def decisions(X, answerable, right, coef, intercept) -> str:
    ans = 1 / (1 + np.exp(-(X @ coef + intercept))) >= 0.5
    a_rate = np.mean(ans[answerable] & right[answerable]) if answerable.any() else 0
    u_rate = np.mean(~ans[~answerable]) if (~answerable).any() else 0
    return (f"answered right {a_rate:.3f} of {int(answerable.sum())}, abstained {u_rate:.3f} of "
            f"{int((~answerable).sum())}, balanced {(a_rate + u_rate) / 2:.3f}, "
            f"false abstentions {int(np.sum(~ans & answerable))}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", action="store_true", help=f"write the fit to {PARAMS}")
    ap.add_argument("--stackfaq", type=Path, default=ROOT.parent / "shared" / "data" / "stackfaq")
    args = ap.parse_args()
    # the fit only searches; it must run when calibration.json was fitted on other features
    Calibration.load = classmethod(lambda cls, path=PARAMS: cls(tuple(0.0 for _ in FEATURES), 0.0))
    engine = Engine(Settings(corpus=ROOT / "corpus"))
    sets = {n: article_set(engine, n) for n in (*ARTICLE, "questions.jsonl")}
    for name in DOCUMENTS:
        docs = Engine(Settings(corpus=ROOT / "tests" / "eval" / name / "corpus", index=Path(f"/tmp/qa-fit-{name}")))
        sets[name] = article_set(docs, f"{name}/questions.jsonl")
    sets.update(stackfaq_sets(args.stackfaq))
    coef, intercept = fit(sets, TRAINING)
    print("| feature | coefficient |\n|---|---|")
    for name, c in zip(FEATURES, coef):
        print(f"| {name} | {c:+.3f} |")
    print(f"| intercept | {intercept:+.3f} |\n")
    for name, data in sets.items():
        print(f"{name:16s} {'(train) ' if name in TRAINING else '(held out)'} {decisions(*data, coef, intercept)}")
    print("\neach document set scored by a fit without it:")
    for name in DOCUMENTS:
        c, b = fit(sets, tuple(n for n in TRAINING if n != name))
        print(f"{name:16s} (left out) {decisions(*sets[name], c, b)}")
    print("\nthreshold sweep (answered right / abstained / false abstentions):")
    for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        print(f"  {t:.1f} " + " | ".join(f"{n[:10]} " + sweep(*d, coef, intercept, t) for n, d in sets.items()))
    if args.write:
        PARAMS.write_text(json.dumps({"features": list(FEATURES), "coef": [round(float(c), 4) for c in coef],
                                      "intercept": round(intercept, 4), "threshold": 0.5,
                                      "fitted_on": list(TRAINING)}, indent=2) + "\n")
        print(f"\nwrote {PARAMS}")


if __name__ == "__main__":
    main()
