"""Typo repair against the corpus's own vocabulary ("valuaton" -> "valuation").

A question word is corrected only when it is a word nobody knows: not in the corpus, not in the
embedding model's word list and not in pyspellchecker's English dictionary (160k words), so that
real words the corpus happens to lack ("login", "unprivileged", "constrain") are never "fixed"
into corpus words ("logic", "privileged", "contain"). The correction is the one corpus word, or
the most frequent one, within a small edit distance (rapidfuzz's OSA: a swap of two letters
counts once). Contractions typed without an apostrophe ("dont", "arent") are words too.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

from qa.lexical import CONTRACTIONS  # typed without their apostrophe they are words ("dont" is not "done")

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


COMMON_WORDS = 2000  # the most frequent English words: "need", "work", "good", "side", not "server"


@lru_cache(maxsize=1)
def _english_counts() -> dict[str, int]:
    """pyspellchecker's English word list with each word's frequency, read once and only when needed
    (most questions do not need it, and `qa ask` does not pay the ~70 ms)."""
    from importlib.resources import files

    try:
        with (files("spellchecker") / "resources" / "en.json.gz").open("rb") as raw, \
                gzip.open(raw, "rt", encoding="utf-8") as f:
            counts = json.load(f)
        return counts if isinstance(counts, dict) else {}
    except (ImportError, OSError, ValueError):  # without it, the corpus and the model decide alone
        return {}


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """pyspellchecker's English dictionary (160k words): read when a question has a word the corpus
    and the model lack."""
    return frozenset(_english_counts())


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """The COMMON_WORDS most frequent words of the same dictionary: everyday words that say little
    about what a question is about, whatever the corpus ("is that a good idea?", "which side?")."""
    counts = _english_counts()
    return frozenset(sorted(counts, key=lambda w: -counts[w])[:COMMON_WORDS])


class Speller:
    def __init__(self, corpus_texts: list[str], known: set[str]):
        self.counts = Counter(w for t in corpus_texts for w in _WORD.findall(t.lower()))
        self.known = known | set(self.counts) | CONTRACTIONS
        self.choices = list(self.counts)

    def correct(self, question: str) -> str:
        return _WORD.sub(lambda m: self._fix(m.group(0)), question)

    def _fix(self, word: str) -> str:
        low = word.lower()
        if low in self.known or not self.choices or low in english_words():
            return word
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        limit = 1 if len(low) < 8 else 2
        found = process.extract(low, self.choices, scorer=OSA.distance, score_cutoff=limit, limit=5)
        if not found:
            return word
        best = min(found, key=lambda f: (f[1], -self.counts[f[0]]))
        return best[0]
