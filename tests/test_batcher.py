import threading

import numpy as np

from qa.batcher import BatchingEmbedder


class SlowCounting:
    """Records the size of every call; each call takes a moment so that requests pile up."""

    path, dim = "fake", 4

    def __init__(self):
        self.calls: list[int] = []
        self.release = threading.Event()

    def embed(self, texts, progress=False):
        self.calls.append(len(texts))
        self.release.wait(timeout=5)
        return np.array([[len(t), 0, 0, 1] for t in texts], dtype=np.float32)


def test_concurrent_questions_are_embedded_together_and_each_gets_its_own_vector():
    inner = SlowCounting()
    b = BatchingEmbedder(inner)
    results: dict[int, np.ndarray] = {}

    def ask(i):
        results[i] = b.embed(["x" * i])

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(1, 21)]
    for t in threads:
        t.start()
    while sum(inner.calls) == 0:
        pass  # the first call is running and holding the others back
    inner.release.set()
    for t in threads:
        t.join(timeout=10)
    assert sorted(results) == list(range(1, 21))
    assert all(results[i].shape == (1, 4) and results[i][0, 0] == i for i in results)
    assert sum(inner.calls) == 20 and len(inner.calls) < 20  # batched


def test_a_failing_model_call_fails_its_requests_and_the_next_ones_still_work():
    class Flaky:
        path, dim, n = "fake", 2, 0

        def embed(self, texts, progress=False):
            self.n += 1
            if self.n == 1:
                raise RuntimeError("boom")
            return np.ones((len(texts), 2), dtype=np.float32)

    b = BatchingEmbedder(Flaky())
    try:
        b.embed(["a"])
        raise AssertionError("expected the failure to reach the caller")
    except RuntimeError as e:
        assert str(e) == "boom"
    assert b.embed(["b"]).shape == (1, 2)
    assert b.embed(["c", "d"]).shape == (2, 2)  # several texts at once bypass the queue


def test_a_question_of_a_few_texts_is_queued_and_a_build_is_not():
    """A follow-up embeds two texts: they go through the queue (the batcher's thread calls the
    model), each getting its own vector in order; a build's many texts go to the model straight."""
    threads = []

    class Recording:
        path, dim = "fake", 4

        def embed(self, texts, progress=False):
            threads.append(threading.current_thread().name)
            return np.array([[len(t), 0, 0, 1] for t in texts], dtype=np.float32)

    b = BatchingEmbedder(Recording())
    out = b.embed(["ab", "abcde"])
    assert out.shape == (2, 4) and out[:, 0].tolist() == [2, 5]
    assert threads and set(threads) == {"qa-embed-batcher"}
    threads.clear()
    b.embed(["x"] * 100)
    assert threads == [threading.current_thread().name]
    threads.clear()
    b.embed(["x", "y"], progress=True)  # a build with a progress bar: straight to the model
    assert threads == [threading.current_thread().name]
