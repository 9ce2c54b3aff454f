"""Small helpers shared by the benchmark scripts: machine facts, percentiles, RSS, CPU noise.

The machine has 2 cores and other work (test suites, browsers) may run on it, so every script
samples how busy the CPUs were *outside* the benchmark and prints it with its tables.
"""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pct(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (q in 0..100)."""
    if not sorted_values:
        return float("nan")
    i = min(len(sorted_values) - 1, max(0, int(round(q / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[i]


def cpu_times() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    with open("/proc/stat") as f:
        parts = [float(x) for x in f.readline().split()[1:]]
    idle = parts[3] + parts[4]
    return sum(parts) - idle, sum(parts)


def cpu_busy(seconds: float = 1.0) -> float:
    """Fraction of all CPUs busy over the next `seconds` (0..1)."""
    b0, t0 = cpu_times()
    time.sleep(seconds)
    b1, t1 = cpu_times()
    return (b1 - b0) / max(1e-9, t1 - t0)


def wait_quiet(threshold: float = 0.25, max_wait: float = 120.0, log=print) -> float:
    """Wait (at most max_wait s) until the CPUs are less than `threshold` busy for 2 s; returns the last reading.

    Other sessions' test suites share this machine; starting a measurement while they run only adds noise.
    """
    deadline = time.monotonic() + max_wait
    busy = cpu_busy(2.0)
    while busy > threshold and time.monotonic() < deadline:
        busy = cpu_busy(2.0)
    if busy > threshold:
        log(f"(note: CPUs still {busy:.0%} busy with other work after waiting {max_wait:.0f} s; measuring anyway)")
    return busy


def proc_status_mb(pid: int, key: str) -> float:
    """A kB field of /proc/PID/status (VmRSS, VmHWM, ...) in MB; NaN once the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def proc_rss_mb(pid: int) -> float:
    """Resident set size now (VmRSS)."""
    return proc_status_mb(pid, "VmRSS")


def proc_hwm_mb(pid: int) -> float:
    """Peak resident set size so far (VmHWM)."""
    return proc_status_mb(pid, "VmHWM")


def stop_process(proc: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM a process this script started, SIGKILL it if it has not exited within `timeout`."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds used so far by a process (all its threads), from /proc/PID/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def proc_threads(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn_timed(cmd: list[str], env: dict | None = None, cwd: Path | None = None,
                timeout: float = 600, with_cpu: bool = False) -> tuple:
    """Run cmd to completion: (wall s, peak RSS MB, exit code, stdout, stderr), and with `with_cpu` a sixth
    item, the command's user + system CPU seconds (less disturbed than wall time by other work).

    Peak RSS comes from /usr/bin/time (%M, the child's ru_maxrss), not from our own wait4: Linux
    copies the *parent's* high-water RSS into a child's ru_maxrss when the child execs from a
    vfork (as subprocess does), so a large benchmark process would inflate every figure.
    /usr/bin/time is a tiny process, so its child's figure is the command's own.
    Output goes to temporary files so the child never blocks on a full pipe while we wait.
    """
    import tempfile

    timer = Path("/usr/bin/time")
    with tempfile.TemporaryFile("w+") as fo, tempfile.TemporaryFile("w+") as fe, \
            tempfile.NamedTemporaryFile("r", suffix=".rss") as fr:
        full = [str(timer), "-f", "%M %U %S", "-o", fr.name, *cmd] if timer.exists() else cmd
        t0 = time.perf_counter()
        p = subprocess.Popen(full, env=env, cwd=cwd, stdout=fo, stderr=fe, text=True)
        try:
            rc = p.wait(timeout)  # bounded: a hung child is killed, never waited on forever
        except subprocess.TimeoutExpired:
            p.kill()
            rc = p.wait()
        wall = time.perf_counter() - t0
        fo.seek(0)
        fe.seek(0)
        try:
            m, u, s_ = fr.read().strip().splitlines()[-1].split()
            rss, cpu = int(m) / 1024, float(u) + float(s_)
        except (ValueError, IndexError):
            rss = cpu = float("nan")
        err = fe.read()
        if timer.exists() and err.startswith("Command exited with non-zero status"):
            err = err.split("\n", 1)[-1]
        if with_cpu:
            return wall, rss, rc, fo.read(), err, cpu
        return wall, rss, rc, fo.read(), err


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ("torch", "onnxruntime", "faiss", "numpy", "sentence_transformers", "fastapi", "uvicorn", "httpx"):
        try:
            mod = __import__(name)
            out[name] = getattr(mod, "__version__", "?")
        except Exception:  # noqa: BLE001
            out[name] = "-"
    return out


def machine() -> dict[str, str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {"nproc": str(os.cpu_count()), "cpu": cpu, "ram": mem, "kernel": platform.release()}


def git_state() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "qa"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        return head + (" (qa/ has uncommitted changes)" if dirty else "")
    except OSError:
        return "?"


def header(title: str) -> None:
    m = machine()
    print(f"## {title}\n")
    print(f"{time.strftime('%Y-%m-%d %H:%M %Z')}; commit {git_state()}; {m['nproc']} CPUs ({m['cpu']}), {m['ram']}; "
          f"Python {platform.python_version()}; load average {os.getloadavg()[0]:.2f}\n", flush=True)


def qa_bin() -> str:
    return str(ROOT / ".venv" / "bin" / "qa")


def python_bin() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def env_offline(**extra: str) -> dict:
    return dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
                HF_HUB_DISABLE_PROGRESS_BARS="1", **extra)
