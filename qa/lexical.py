"""Lexical matching: one tokenizer (lower-case words, English stop words, Snowball stems) and BM25.

bm25s scores a query against every passage at once from a sparse matrix; PyStemmer makes
"raise", "raised" and "raising" one term. The same tokenizer serves BM25 and term coverage.
"""

from __future__ import annotations

import math
import re
import sys
import threading
from functools import lru_cache

import numpy as np

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
STOPWORDS = frozenset("""a about above after again all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had has have having he
her here hers him his how i if in into is it its itself just me more most my no nor not now of off on once only or
other our ours out over own same she should so some such than that the their theirs them then there these they this
those through to too under until up very was we were what when where which while who whom why will with would you
your yours tell know please much many kind sort type really actually exactly basically just like thing things
stuff anyone someone something get got say says said mean means give u r ur pls plz thanks thank hi hey hello""".split())


# Chinese, Japanese and Korean characters: words run together without spaces (a run of them is one token)
WIDE = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


# Contractions typed without their apostrophe: words, not typos of corpus words ("dont" -> "done")
# and not content words of a question (qa.spelling, qa.conversation)
CONTRACTIONS = frozenset("""dont doesnt didnt isnt arent wasnt werent cant couldnt wouldnt shouldnt wont hasnt
    havent hadnt mustnt neednt youre theyre thats whats hows wheres whos whens whys theres heres youve theyve
    youll theyll shes hes im ive id""".split())


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


_MAGNITUDES = [(re.compile(r"(\d)\s*(?:bn|b|bil|billions?)\b"), r"\1 billion"),
               (re.compile(r"(\d)\s*(?:mn|m|mil|mio|millions?)\b"), r"\1 million"),
               (re.compile(r"(\d)\s*(?:k|thousands?)\b"), r"\1 thousand")]


def words(text: str) -> list[str]:
    """Lower-cased words, possessives dropped ("Baseten’s" -> "baseten"), "$13B" -> "13 billion"."""
    text = text.lower()
    for pattern, repl in _MAGNITUDES:
        text = pattern.sub(repl, text)
    return [re.sub(r"['’]s$", "", w) for w in _WORD.findall(text)]


def terms(text: str) -> list[str]:
    """Stemmed content words: what BM25 and coverage count."""
    return _stemmer().stemWords([w for w in words(text) if w not in STOPWORDS])


_IMPORT_LOCK = threading.Lock()


def _bm25s():
    """bm25s without the scipy.sparse import it makes only to offer its scipy backend: qa uses its
    numpy backend (same scores), and skipping scipy saves ~70 ms of every `qa ask` (bench/cold_start.py)."""
    with _IMPORT_LOCK:  # one thread imports; the others wait for the whole module
        block = "bm25s" not in sys.modules and "scipy.sparse" not in sys.modules
        if block:
            sys.modules["scipy.sparse"] = None  # makes `import scipy.sparse` raise ImportError, which bm25s handles
        try:
            import bm25s
        finally:
            if block:
                del sys.modules["scipy.sparse"]
    return bm25s


class BM25:
    def __init__(self, tokenized: list[list[str]]):
        self.retriever = _bm25s().BM25(k1=1.2, b=0.75, csc_backend="numpy")
        self.retriever.index([t or [""] for t in tokenized], show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        q = terms(query)
        n = self.retriever.scores["num_docs"]
        return self.retriever.get_scores(q).astype(np.float32) if q else np.zeros(n, dtype=np.float32)

    def coverage(self, query_terms: list[str], vocabulary: Vocabulary) -> np.ndarray:
        """For every document, the IDF-weighted share of the query's terms it holds (Vocabulary.coverage,
        for all documents at once), in time proportional to how many documents hold them."""
        out = np.zeros(self.retriever.scores["num_docs"], dtype=np.float32)
        weights = {t: vocabulary.idf(t) for t in query_terms}
        total = sum(weights[t] for t in query_terms)
        if not total:
            return out
        for t, w in weights.items():
            out[self.holders(t)] += query_terms.count(t) * w / total
        return out

    def holders(self, term: str) -> np.ndarray:
        """The documents that hold `term`: its column of bm25s's term-major sparse score matrix (CSC:
        `indptr` delimits each term's run of document `indices`). Scoring every document for the
        term (get_scores) would cost time in proportion to the corpus: 50,000 passages, 3.6 ms for a
        long question."""
        tid = self.retriever.vocab_dict.get(term)
        s = self.retriever.scores
        if tid is None or tid + 1 >= len(s["indptr"]):
            return np.zeros(0, dtype=np.int64)
        return np.asarray(s["indices"][s["indptr"][tid]:s["indptr"][tid + 1]])


class Vocabulary:
    """Document frequencies of terms over passages: how informative, and how present, a term is."""

    def __init__(self, tokenized: list[list[str]]):
        from collections import Counter

        self.n = len(tokenized)
        self.df = Counter(t for toks in tokenized for t in set(toks))

    def idf(self, term: str) -> float:
        return math.log(1 + (self.n + 1) / (self.df.get(term, 0) + 0.5))

    def coverage(self, query_terms: list[str], present) -> float:
        """IDF-weighted share of the query's terms for which present(term) holds."""
        if not query_terms:
            return 0.0
        weights = [self.idf(t) for t in query_terms]
        return sum(w for t, w in zip(query_terms, weights) if present(t)) / sum(weights)
