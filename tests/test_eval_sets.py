"""Every evaluation set's validator (tests/eval/*/validate.py, found by glob so that new sets
join automatically) exits 0 and prints OK as its last line, both on this machine and with the
documents under /usr/share/doc hidden, as on a machine lacking those packages: a missing
source must skip only its own byte comparison.

On failure only the exit code, the number of PROBLEM lines and the last line are shown, never
the problem lines themselves: they quote the blind sets' expected answers.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EVAL = Path(__file__).resolve().parent / "eval"
VALIDATORS = sorted(EVAL.glob("*/validate.py"))
HIDDEN = "/usr/share/doc/"

# Runs a validator as __main__ with every path under /usr/share/doc reported as absent.
WITHOUT_SOURCES = f"""
import os, runpy, sys
_exists = os.path.exists
os.path.exists = lambda p: not os.fspath(p).startswith({HIDDEN!r}) and _exists(p)
sys.argv = [sys.argv[1]]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def run(args: list[str]) -> tuple[int, list[str], str]:
    """Exit code, stdout lines, and a summary that quotes no problem line."""
    r = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=300, check=False)
    lines = r.stdout.strip().splitlines()
    last = lines[-1] if lines else ""
    summary = (f"exit code {r.returncode}; {sum(x.startswith('PROBLEM ') for x in lines)} PROBLEM lines; "
               f"last line {last[:200]!r}; stderr tail {r.stderr.strip().splitlines()[-3:]}")
    return r.returncode, lines, summary


def test_validators_found():
    assert len(VALIDATORS) >= 8, VALIDATORS


@pytest.mark.parametrize("validator", VALIDATORS, ids=[v.parent.name for v in VALIDATORS])
def test_validator_prints_ok(validator: Path):
    code, lines, summary = run([str(validator)])
    last_is_ok = bool(lines) and lines[-1] == "OK"
    assert code == 0, summary
    assert last_is_ok, summary


@pytest.mark.parametrize("validator", VALIDATORS, ids=[v.parent.name for v in VALIDATORS])
def test_validator_without_sources(validator: Path):
    code, lines, summary = run(["-c", WITHOUT_SOURCES, str(validator)])
    last_is_ok = bool(lines) and lines[-1] == "OK"
    skipped = any(x.startswith("note: source not on this machine") for x in lines)
    assert code == 0, summary
    assert last_is_ok, summary
    if HIDDEN in validator.read_text(encoding="utf-8"):
        # the sources really were hidden, and their comparisons skipped with a note
        assert skipped, summary


# Runs a validator as __main__ with every installed source reported as differing from its copy, as
# on a machine with other package versions.
SOURCES_DIFFER = """
import os, runpy, sys
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(sys.argv[1]))))
import setcheck
setcheck.same_bytes = lambda path, ref: (False, "differs")
sys.argv = [sys.argv[1]]
runpy.run_path(sys.argv[0], run_name="__main__")
"""
SHARED = [v for v in VALIDATORS if "setcheck" in v.read_text(encoding="utf-8")]


@pytest.mark.parametrize("validator", SHARED, ids=[v.parent.name for v in SHARED])
def test_a_source_of_another_version_is_noted_when_the_copy_is_as_recorded(validator: Path, tmp_path):
    """An installed source that differs (another package version) does not fail a set whose copy
    still matches its recorded sha256; a copy that changed fails it, with or without sources."""
    code, lines, summary = run(["-c", SOURCES_DIFFER, str(validator)])
    assert code == 0 and lines[-1] == "OK", summary
    import shutil

    copy = tmp_path / validator.parent.name
    shutil.copytree(validator.parent, copy)
    for shared in validator.parent.parent.glob("*.py"):  # setcheck.py, pdfcheck.py: what validators import
        shutil.copy(shared, tmp_path / shared.name)
    doc = sorted((copy / "corpus").iterdir())[0]
    doc.write_bytes(doc.read_bytes() + b"\n")
    code, lines, summary = run(["-c", SOURCES_DIFFER, str(copy / "validate.py")])
    assert code != 0 and lines[-1] == "PROBLEMS", summary
