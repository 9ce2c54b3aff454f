"""Concurrent questions share one model call: requests queue their text, one worker embeds
whatever has queued while the previous batch ran. At low load a question is embedded alone at
once (no waiting window); under load, batches grow by themselves, and the model's threads are
busy with one call instead of contending across many."""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future

import numpy as np


class BatchingEmbedder:
    def __init__(self, inner, max_batch: int = 64):
        self.inner, self.max_batch = inner, max_batch
        self.path, self.dim = inner.path, inner.dim
        self._queue: queue.SimpleQueue[tuple[str, Future]] = queue.SimpleQueue()
        threading.Thread(target=self._work, name="qa-embed-batcher", daemon=True).start()

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        if len(texts) != 1:
            return self.inner.embed(texts, progress=progress)
        done: Future = Future()
        self._queue.put((texts[0], done))
        return done.result()[None, :]

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
