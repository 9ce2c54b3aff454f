"""The SQLite store: schema and migrations, concurrent writers (threads and processes), reports, errors."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import threading
from pathlib import Path

import pytest

from qa import store as store_module
from qa.errors import QAError
from qa.store import FILENAME, MIGRATIONS, Store, StoreError


def raw(data_dir: Path) -> sqlite3.Connection:
    """A separate connection, as another process would see the file."""
    return sqlite3.connect(data_dir / FILENAME)


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def test_new_store_creates_folder_schema_and_pragmas(tmp_path):
    data = tmp_path / "deep" / "data"
    with Store(data) as s:
        assert s.schema_version == len(MIGRATIONS) == 1
        assert s._read("PRAGMA journal_mode") == [("wal",)]
        assert s._read("PRAGMA synchronous") == [(2,)]  # FULL
        assert s._read("PRAGMA foreign_keys") == [(1,)]
        assert s._read("PRAGMA busy_timeout")[0][0] > 0
    conn = raw(data)
    assert conn.execute("PRAGMA user_version").fetchone() == (1,)
    assert columns(conn, "queries") == ["id", "asked_at", "question", "question_key", "answered",
                                        "confidence", "cited_ids", "latency_ms"]  # no IP, no user id
    assert columns(conn, "feedback") == ["id", "created_at", "question", "question_key", "answer", "vote", "comment"]
    indexes = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"queries_unanswered", "feedback_votes"} <= indexes


def test_version_0_database_is_migrated_and_reopening_is_idempotent(tmp_path):
    (tmp_path / FILENAME).write_bytes(b"")  # an empty file is a valid SQLite database at user_version 0
    with Store(tmp_path) as s:
        assert s.schema_version == 1
        s.add_feedback("q", "a", "up")
    with Store(tmp_path) as s:  # no migration re-run: CREATE TABLE would fail and the row would be gone
        assert s.schema_version == 1
        assert s.counts()["feedback"] == 1


def test_an_appended_migration_upgrades_an_older_database(tmp_path, monkeypatch):
    Store(tmp_path).close()
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS + ["ALTER TABLE feedback ADD COLUMN source TEXT;"])
    with Store(tmp_path) as s:
        assert s.schema_version == 2
    assert "source" in columns(raw(tmp_path), "feedback")


def test_a_failing_migration_leaves_the_database_untouched(tmp_path, monkeypatch):
    Store(tmp_path).close()
    broken = "CREATE TABLE extra (x);\nINSERT INTO no_such_table VALUES (1);"
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS + [broken])
    with pytest.raises(StoreError):
        Store(tmp_path)
    conn = raw(tmp_path)
    assert conn.execute("PRAGMA user_version").fetchone() == (1,)
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'extra'").fetchone() == (0,)


def test_a_database_from_a_newer_qa_is_refused(tmp_path):
    Store(tmp_path).close()
    conn = raw(tmp_path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(StoreError, match="schema version 99, newer"):
        Store(tmp_path)


def test_log_query_stores_what_it_is_given(tmp_path):
    with Store(tmp_path) as s:
        row_id = s.log_query("How do I pay?", True, 0.83, ["billing.md#2", "faq.md#1"], 12.5)
    row = raw(tmp_path).execute("SELECT * FROM queries WHERE id = ?", (row_id,)).fetchone()
    _, asked_at, question, key, answered, confidence, cited, latency = row
    assert asked_at.endswith("+00:00") and asked_at[:4].isdigit()
    assert (question, key, answered, confidence, latency) == ("How do I pay?", "how do i pay?", 1, 0.83, 12.5)
    assert json.loads(cited) == ["billing.md#2", "faq.md#1"]


def test_a_vote_other_than_up_or_down_is_rejected(tmp_path):
    with Store(tmp_path) as s:
        with pytest.raises(ValueError):
            s.add_feedback("q", "a", "meh")
        with pytest.raises(sqlite3.IntegrityError):  # the CHECK holds even for a caller skipping Python
            with s._write() as c:
                c.execute("INSERT INTO feedback (created_at, question, question_key, answer, vote)"
                          " VALUES ('t', 'q', 'q', 'a', 'meh')")
        assert s.counts()["feedback"] == 0


def test_unanswered_groups_case_and_whitespace_and_orders_by_count_then_recency(tmp_path):
    with Store(tmp_path) as s:
        for q in ["How do I pay?", "how  do i PAY?", " How do I pay? ", "refund policy", "Refund\tPolicy",
                  "Where is the office?", "Opening hours"]:
            s.log_query(q, False, 0.1, [], 5.0)
        s.log_query("How do I pay?", True, 0.9, ["a#1"], 5.0)  # answered: not counted
        s.log_query("Where is the office?", True, 0.9, ["a#1"], 5.0)
        report = s.unanswered()
        assert [(q, n) for q, n, _ in report] == [
            (" How do I pay? ", 3),  # the latest wording
            ("Refund\tPolicy", 2),
            ("Opening hours", 1),  # ties: most recent first
            ("Where is the office?", 1),
        ]
        assert all(last.endswith("+00:00") for _, _, last in report)
        assert [q for q, _, _ in s.unanswered(limit=2)] == [" How do I pay? ", "Refund\tPolicy"]


def test_downvoted_groups_questions_with_their_comments_newest_first(tmp_path):
    with Store(tmp_path) as s:
        s.add_feedback("Reset password?", "Use the link.", "down", "link is dead")
        s.add_feedback("reset  PASSWORD?", "Use the link.", "down")
        s.add_feedback("Reset password?", "Use the link.", "down", "")  # an empty comment is no comment
        s.add_feedback("Reset password?", "Use the link.", "down", "still broken")
        s.add_feedback("Reset password?", "Use the link.", "up", "worked for me")
        s.add_feedback("Invoices?", "Monthly.", "down", "wrong")
        s.add_feedback("Hours?", "9 to 5.", "up")
        assert s.downvoted() == [
            ("Reset password?", 4, ["still broken", "link is dead"]),
            ("Invoices?", 1, ["wrong"]),
        ]
        assert s.downvoted(limit=1) == [("Reset password?", 4, ["still broken", "link is dead"])]
        assert s.counts() == {"queries": 0, "answered": 0, "unanswered": 0, "feedback": 7, "up": 2, "down": 5}


def test_empty_store_reports_nothing(tmp_path):
    with Store(tmp_path) as s:
        assert s.unanswered() == [] and s.downvoted() == []
        assert s.counts() == {"queries": 0, "answered": 0, "unanswered": 0, "feedback": 0, "up": 0, "down": 0}


THREADS, PER_THREAD = 16, 100


def test_sixteen_threads_writing_at_once_lose_nothing(tmp_path):
    s = Store(tmp_path)
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def post(t: int) -> None:
        try:
            start.wait()
            for i in range(PER_THREAD):
                s.add_feedback(f"thread {t} question {i}", "answer", "down" if i % 2 else "up", f"c{t}-{i}")
                s.log_query(f"thread {t} question {i}", bool(i % 3), 0.5, [], 1.0)
                if i % 25 == 0:
                    s.counts(), s.downvoted(5)  # readers interleaved with the writers
        except BaseException as exc:  # surfaced below: an exception in a thread does not fail the test
            errors.append(exc)

    threads = [threading.Thread(target=post, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    expected = {f"thread {t} question {i}" for t in range(THREADS) for i in range(PER_THREAD)}
    conn = raw(tmp_path)  # before close(): every acknowledged write is already committed
    assert {q for (q,) in conn.execute("SELECT question FROM feedback")} == expected
    assert conn.execute("SELECT count(*) FROM feedback").fetchone() == (THREADS * PER_THREAD,)
    assert conn.execute("SELECT count(*) FROM queries").fetchone() == (THREADS * PER_THREAD,)
    s.close()


PROCESSES, PER_PROCESS = 4, 100


def _post_from_process(data_dir: str, worker: int, start) -> None:
    start.wait()  # all open the same fresh file at once: the migration and the switch to WAL race too
    with Store(Path(data_dir)) as s:
        for i in range(PER_PROCESS):
            s.add_feedback(f"process {worker} question {i}", "answer", "down")


def test_four_processes_writing_the_same_file_lose_nothing(tmp_path):
    ctx = multiprocessing.get_context("spawn")  # never fork a process that may hold SQLite handles
    start = ctx.Barrier(PROCESSES)
    procs = [ctx.Process(target=_post_from_process, args=(str(tmp_path), w, start)) for w in range(PROCESSES)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0] * PROCESSES
    with Store(tmp_path) as s:
        assert s.schema_version == 1
        assert s.counts()["feedback"] == PROCESSES * PER_PROCESS
        found = {q for (q,) in s._read("SELECT question FROM feedback")}
    assert found == {f"process {w} question {i}" for w in range(PROCESSES) for i in range(PER_PROCESS)}


def test_a_data_folder_that_cannot_be_created_raises_store_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for bad in (blocker, blocker / "data"):  # the folder is a file; its parent is a file
        with pytest.raises(StoreError) as err:
            Store(bad)
        message = str(err.value)
        assert str(bad) in message and "choose a folder you can write to" in message and "\n" not in message
        assert isinstance(err.value, QAError)


def test_a_file_that_is_not_a_database_raises_store_error_and_is_left_alone(tmp_path):
    junk = b"this is not a database, it is a text file someone put here\n" * 20
    (tmp_path / FILENAME).write_bytes(junk)
    with pytest.raises(StoreError) as err:
        Store(tmp_path)
    message = str(err.value)
    assert str(tmp_path / FILENAME) in message and "not a usable SQLite database" in message
    assert "move it aside" in message and "\n" not in message
    assert (tmp_path / FILENAME).read_bytes() == junk


def test_a_database_path_that_is_a_folder_raises_store_error(tmp_path):
    (tmp_path / FILENAME).mkdir()
    with pytest.raises(StoreError, match="cannot be written"):
        Store(tmp_path)
