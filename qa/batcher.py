"""Concurrent questions share one model call: requests queue their text, one worker embeds
whatever has queued while the previous batch ran. At low load a question is embedded alone at
once (no waiting window); under load, batches grow by themselves, and the model's threads are
busy with one call instead of contending across many."""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future

import numpy as np


QUEUED_TEXTS = 8  # calls with at most this many texts are queued; larger ones (an index build) are not


class BatchingEmbedder:
    def __init__(self, inner, max_batch: int = 64):
        self.inner, self.max_batch = inner, max_batch
        self.path, self.dim = inner.path, inner.dim
        self._queue: queue.SimpleQueue[tuple[str, Future]] = queue.SimpleQueue()
        threading.Thread(target=self._work, name="qa-embed-batcher", daemon=True).start()

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """A question's few texts (a follow-up's two) join the queue one by one; a build's many go
        to the model straight."""
        if progress or not 1 <= len(texts) <= QUEUED_TEXTS:
            return self.inner.embed(texts, progress=progress)
        waiting = []
        for text in texts:
            done: Future = Future()
            self._queue.put((text, done))
            waiting.append(done)
        return np.stack([done.result() for done in waiting])

    def _work(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                vectors = self.inner.embed([text for text, _ in batch])
            except Exception as e:  # hand the failure to every waiting request; keep serving
                for _, done in batch:
                    done.set_exception(e)
                continue
            for (_, done), v in zip(batch, vectors):
                done.set_result(v)
