"""Confidence: a logistic model over a few generic features of the ranking, fitted by bench/fit.py.

The probability means "the top passage holds the answer"; it is fitted on the development
questions (tests/eval/dev.jsonl), never on the evaluation set, and is the same for every corpus.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from qa.retrieve import Hit

FEATURES = ("score", "margin", "dense", "question")


def features(hits: list[Hit], i: int = 0) -> list[float]:
    h = hits[i]
    nxt = hits[i + 1].score if i + 1 < len(hits) else 0.0
    return [h.score, h.score - nxt, h.dense, h.question]


@dataclass(frozen=True)
class Calibration:
    coef: tuple[float, ...] = (6.0, 0.0, 0.0, 0.0)
    intercept: float = -7.5
    threshold: float = 0.5

    def probability(self, x: list[float]) -> float:
        z = self.intercept + sum(c * v for c, v in zip(self.coef, x))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
