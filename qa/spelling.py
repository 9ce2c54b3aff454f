"""Typo repair against the corpus's own vocabulary ("valuaton" -> "valuation").

A question word is corrected only when it is unknown both to the corpus and to the embedding
model's word list (so real words are never "fixed"), and exactly one corpus word, or one most
frequent, is within a small edit distance (rapidfuzz's OSA: a swap of two letters counts once).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

_WORD = re.compile(r"[^\W\d_]{4,}")


def model_words(model_path: str) -> set[str]:
    """Whole words of the model's WordPiece vocabulary (vocab.txt or tokenizer.json)."""
    folder = Path(model_path)
    try:
        vocab = (folder / "vocab.txt").read_text(encoding="utf-8").split()
    except OSError:
        try:
            vocab = list(json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"])
        except (OSError, ValueError, KeyError, TypeError):
            vocab = []
    return {w for w in vocab if w.isalpha()}


class Speller:
    def __init__(self, corpus_texts: list[str], known: set[str]):
        self.counts = Counter(w for t in corpus_texts for w in _WORD.findall(t.lower()))
        self.known = known | set(self.counts)
        self.choices = list(self.counts)

    def correct(self, question: str) -> str:
        return _WORD.sub(lambda m: self._fix(m.group(0)), question)

    def _fix(self, word: str) -> str:
        low = word.lower()
        if low in self.known or not self.choices:
            return word
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        limit = 1 if len(low) < 8 else 2
        found = process.extract(low, self.choices, scorer=OSA.distance, score_cutoff=limit, limit=5)
        if not found:
            return word
        best = min(found, key=lambda f: (f[1], -self.counts[f[0]]))
        return best[0]
