"""The `qa` command: bad input fails with one line and a non-zero exit; the real command end to end."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def run_cli(args: list[str], **env: str):
    result = runner.invoke(app, args, env={"QA_INDEX": env.get("QA_INDEX", "/nonexistent-index"), **env})
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("args, code, message", [
    (["ask", ""], 1, "question is empty"),
    (["ask", "   "], 1, "question is empty"),
    (["ask", "x" * 600], 1, "limit is 500"),
    (["ask", "--corpus", "/no/such/dir", "hi"], 1, "'/no/such/dir' does not exist"),
    (["ask", "--top-k", "0", "hi"], 2, "top-k"),
    (["ask", "--bogus", "hi"], 2, "No such option"),
    (["eval", "/no/such/file.jsonl"], 1, "Cannot read evaluation file"),
])
def test_bad_input_is_one_clear_line(args, code, message):
    exit_code, out, err = run_cli(args)
    assert exit_code == code
    assert message in err
    assert "Traceback" not in err + out


def test_empty_corpus_folder_names_the_fix(tmp_path):
    exit_code, _, err = run_cli(["index", "--corpus", str(tmp_path), "--index", str(tmp_path / "i")])
    assert exit_code == 1 and "has no documents" in err and str(tmp_path) in err


def test_corpus_of_only_unreadable_files_fails_with_the_reasons(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "bin.md").write_bytes(b"\xc3\x28\xfa")
    exit_code, _, err = run_cli(["index", "--corpus", str(tmp_path / "c"), "--index", str(tmp_path / "i")])
    assert exit_code == 1
    assert "bin.md" in err and "not UTF-8" in err and "No document" in err
    assert not (tmp_path / "i" / "CURRENT").exists()


def test_bad_evaluation_file_names_the_line(tmp_path):
    f = tmp_path / "e.jsonl"
    f.write_text('{"question": "a", "expected": null}\nnot json\n')
    exit_code, _, err = run_cli(["eval", str(f)])
    assert exit_code == 1 and "e.jsonl:2" in err


MISSING = "'expected' is missing: give the text to cite, or null for a question the documents cannot answer."


@pytest.mark.parametrize("row, message", [
    ('{"question": "who co-leads?", "expected": 5}', "'expected' must be text or null, not a number."),
    ('{"question": "who co-leads?", "expected": ["Spark"]}', "'expected' must be text or null, not a list."),
    ('{"question": "who co-leads?", "expected": true}', "'expected' must be text or null, not true."),
    ('{"question": "who co-leads?", "expect": "Spark"}', MISSING),  # a typo is not "unanswerable"
    ('{"question": "who co-leads?", "expected": ""}', "'expected' is empty"),
    ('{"question": "who co-leads?", "expected": "  "}', "'expected' is empty"),
    ('{"question": "", "expected": null}', "The question is empty."),
    ('{"question": "\\u200b", "expected": null}', "The question is empty."),
    ('{"question": "' + "b" * 600 + '", "expected": null}', "The question is 600 characters long; the limit is 500."),
    ('{"question": "bad \\udcff", "expected": null}', "not valid UTF-8 text"),
    ('{"question": 5, "expected": null}', "'question' must be text, not a number."),
    ('{"expected": "Spark"}', "'question' is missing"),
    ('["who co-leads?"]', "expected a JSON object"),
    ('{"turns": ["who leads?", 5], "expected": null}', "turn 2 must be text, not a number."),
    ('{"turns": ["who leads?", " "], "expected": null}', "turn 2: The question is empty."),
    ('{"turns": "who leads?", "expected": null}', "'turns' must be a list of one or more questions, not text."),
    ('{"turns": [], "expected": null}', "'turns' must be a list of one or more questions."),
    ('{"turns": ["who leads?"], "expected": 5}', "'expected' must be text or null, not a number."),
    ('{"turns": ["who leads?"], "expected": ""}', "'expected' is empty"),
    ('{"turns": ["who leads?"]}', MISSING),
])
def test_bad_evaluation_row_is_one_line_naming_file_and_line(tmp_path, row, message):
    f = tmp_path / "x.jsonl"
    first = '{"turns": ["who leads?"], "expected": null}' if "turns" in row else '{"question": "a", "expected": null}'
    f.write_text(first + "\n\n" + row + "\n", encoding="utf-8")
    exit_code, out, err = run_cli(["eval", str(f)])
    assert exit_code == 1 and out == "" and "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith(f"qa: {f}:3: ") and message in err, err


def test_report_help_shows_each_default_once():
    exit_code, out, _ = run_cli(["report", "--help"])
    assert exit_code == 0 and out.count(".qa-data") == 1


def test_question_argument_not_utf8_is_one_line():
    """Python gives an argument that is not UTF-8 with surrogate escapes: refused before anything loads."""
    p = subprocess.run([sys.executable, "-c", "from qa.cli import main; main()", "ask", b"bad \xff"],
                       capture_output=True, cwd=ROOT, env={**os.environ, "QA_INDEX": "/nonexistent-index"}, timeout=60)
    assert p.returncode == 1 and p.stdout == b""
    assert p.stderr.count(b"\n") == 1 and b"not valid UTF-8 text" in p.stderr


def qa_command(*args: str, stdin: str | None = None, index: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "QA_INDEX": str(index), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-c", "from qa.cli import main; main()", *args], input=stdin,
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)


@pytest.mark.model
def test_ask_json_prints_the_contract(tmp_path):
    p = qa_command("ask", "--json", "what is inference?", index=tmp_path / "index")
    assert p.returncode == 0, p.stderr
    assert "Building the index" in p.stderr  # said once, on stderr, since there was no index
    r = json.loads(p.stdout)
    assert set(r) == {"question", "answered", "answer", "confidence", "citations", "suggestions"}
    assert r["answered"] and r["answer"] in r["citations"][0]["text"]
    c = r["citations"][0]
    assert set(c) == {"id", "source", "section", "text", "start", "end", "score"}
    assert (ROOT / c["source"]).read_text(encoding="utf-8")[c["start"]:c["end"]] == c["text"]


@pytest.mark.model
def test_ask_reads_questions_from_stdin_one_answer_per_line(tmp_path):
    p = qa_command("ask", "--json", stdin="what is inference?\n\nwho is Baseten's CEO?\n", index=tmp_path / "i")
    assert p.returncode == 0, p.stderr
    answers = [json.loads(line) for line in p.stdout.splitlines()]
    assert [a["question"] for a in answers] == ["what is inference?", "who is Baseten's CEO?"]
    assert [a["answered"] for a in answers] == [True, False]
    text = qa_command("ask", "who co-leads the round?", index=tmp_path / "i")
    assert text.returncode == 0 and "Spark Capital" in text.stdout and "[1]" in text.stdout
    assert "Building the index" not in text.stderr  # the index built above is reused


@pytest.mark.model
def test_index_command_says_what_it_did(tmp_path):
    p = qa_command("index", index=tmp_path / "i")
    assert p.returncode == 0, p.stderr
    assert "Indexed 1 document, 9 passages" in p.stdout


@pytest.mark.parametrize("flag", ["--index", "--corpus"])
def test_an_empty_folder_flag_is_refused(flag):
    exit_code, out, err = run_cli(["ask", flag, "", "hi"])
    assert exit_code == 1 and err == f"qa: {flag} needs a folder; it was given an empty value.\n"


def test_an_empty_qa_variable_is_unset(monkeypatch):
    from qa.config import Settings

    for name in ("QA_INDEX", "QA_CORPUS", "QA_TOP_K"):
        monkeypatch.setenv(name, "")
    s = Settings()
    assert (s.index, s.corpus, s.top_k) == (Path(".qa-index"), Path("corpus"), 3)


def qa_shell(command: str) -> subprocess.CompletedProcess:
    """`qa ARGS` through a shell, for redirections such as >&- (a closed stdout)."""
    return subprocess.run(f"{sys.executable} -c 'from qa.cli import main; main()' {command}", shell=True,
                          capture_output=True, cwd=ROOT, env={**os.environ, "QA_INDEX": "/nonexistent-index"},
                          timeout=60)


@pytest.mark.parametrize("command, message", [
    ("ask hi >&-", b"qa: standard output is closed: nothing can be printed.\n"),
    ("ask <&-", b"qa: No question given, and standard input is closed: pass the question as an argument.\n"),
    ("chat <&-", b"qa: Standard input is closed: qa chat reads its questions from it.\n"),
    ("--help >/dev/full", b"qa: cannot write the output: No space left on device.\n"),
])
def test_closed_or_full_standard_streams_are_one_line(command, message):
    if "/dev/full" in command and not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    p = qa_shell(command)
    assert p.returncode == 1 and p.stderr == message


@pytest.mark.model
def test_an_output_that_cannot_take_utf8_gets_escapes_not_a_traceback(tmp_path):
    index = tmp_path / "i"
    utf8 = qa_command("ask", "--json", "who co-leads the round?", index=index)
    env = {**os.environ, "QA_INDEX": str(index), "HF_HUB_OFFLINE": "1", "PYTHONIOENCODING": "latin-1"}
    run = lambda *args: subprocess.run([sys.executable, "-c", "from qa.cli import main; main()", *args],  # noqa: E731
                                       capture_output=True, cwd=ROOT, env=env, timeout=300)
    p = run("ask", "--json", "who co-leads the round?")
    assert p.returncode == 0 and p.stdout.isascii() and json.loads(p.stdout) == json.loads(utf8.stdout)
    p = run("ask", "who co-leads the round?")
    assert p.returncode == 0 and b"company\\u2019s" in p.stdout and b"Traceback" not in p.stderr


def test_version_and_short_help():
    from qa import __version__

    assert run_cli(["--version"])[:2] == (0, f"qa {__version__}\n")
    code, out, _ = run_cli(["ask", "-h"])
    assert code == 0 and out.startswith("Usage: ") and " ask [OPTIONS]" in out.splitlines()[0]


def test_a_bad_server_only_setting_is_only_the_servers_error():
    code, _, err = run_cli(["ask", "--corpus", "/no/such/dir", "hi"], QA_WORKERS="0", QA_WATCH_INTERVAL="-1")
    assert code == 1 and "'/no/such/dir' does not exist" in err and "QA_WORKERS" not in err
    code, _, err = run_cli(["serve", "--corpus", "/no/such/dir"], QA_WORKERS="0")
    assert code == 1 and err == "qa: Setting QA_WORKERS is not valid: Input should be greater than or equal to 1.\n"
    code, _, err = run_cli(["ask", "hi"], QA_WORKERS="0", QA_TOP_K="0")  # a setting ask reads is still refused
    assert code == 1 and "QA_TOP_K" in err
