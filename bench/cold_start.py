"""Cold start from the command line: `qa ask` (index already built) vs the naive stack (bench/naive.py ask).

    .venv/bin/python bench/cold_start.py [--runs 7] [--quick]

Each run is a fresh process timed from exec to exit, with its peak RSS from wait4's rusage
(ru_maxrss of exactly that child). Runs are interleaved (qa, naive, naive, qa, ...) so that noise
from other work on the machine hits both alike; one untimed warm-up run of each fills the page
cache first. The qa index lives in a private temporary folder, built (untimed) before the runs.
Prints Markdown: median (min-max) wall time and peak RSS, and qa/naive ratios.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import ROOT, cpu_busy, env_offline, header, python_bin, qa_bin, spawn_timed, wait_quiet  # noqa: E402

QUESTION = "what is inference?"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--quick", action="store_true", help="3 runs")
    p.add_argument("--question", default=QUESTION)
    opts = p.parse_args()
    runs = 3 if opts.quick else opts.runs

    work = Path(tempfile.mkdtemp(prefix="qa-cold-"))
    index = work / "index"
    try:
        if (ROOT / ".qa-index" / "onnx" / "onnx_config.json").is_file():  # reuse the ONNX export: saves a torch load
            shutil.copytree(ROOT / ".qa-index" / "onnx", index / "onnx")
        env = env_offline()
        wall, rss, rc, out, err = spawn_timed([qa_bin(), "index", "--corpus", str(ROOT / "corpus"), "--index", str(index)],
                                              env=env, cwd=ROOT)
        if rc != 0:
            raise SystemExit(f"qa index failed:\n{err[-2000:]}")
        cmds = {
            "qa": [qa_bin(), "ask", opts.question, "--corpus", str(ROOT / "corpus"), "--index", str(index)],
            "naive": [python_bin(), str(ROOT / "bench" / "naive.py"), "ask", opts.question, "--corpus", str(ROOT / "corpus")],
            "python": [python_bin(), "-c", "pass"],
        }
        header("Cold start: one question from the command line")
        wait_quiet()
        busy = []
        for name, cmd in cmds.items():  # warm-up: page cache, .pyc files
            _, _, rc, out, err = spawn_timed(cmd, env=env, cwd=ROOT)
            if rc != 0:
                raise SystemExit(f"{name} failed:\n{err[-2000:]}")
            if name != "python":
                print(f"{name} answers: {out.strip().splitlines()[0][:110]}")
        results: dict[str, list[tuple[float, float, float]]] = {k: [] for k in cmds}
        for i in range(runs):
            order = ["qa", "naive"] if i % 2 == 0 else ["naive", "qa"]
            for name in order + ["python"]:
                wall, rss, rc, out, err, cpu = spawn_timed(cmds[name], env=env, cwd=ROOT, with_cpu=True)
                if rc != 0:
                    raise SystemExit(f"{name} failed:\n{err[-2000:]}")
                results[name].append((wall, rss, cpu))
            busy.append(cpu_busy(0.5))
        print()
        print(f"| command | wall median (min - max), {runs} runs | CPU user+sys median (min - max) | "
              f"peak RSS median (min - max) |")
        print("|---|---:|---:|---:|")
        labels = {"qa": f'`qa ask "{opts.question}"` (index built)',
                  "naive": f'`python bench/naive.py ask "{opts.question}"`',
                  "python": "`python -c pass` (interpreter floor)"}
        med = {}
        for name in cmds:
            w = [r[0] for r in results[name]]
            m = [r[1] for r in results[name]]
            c = [r[2] for r in results[name]]
            med[name] = (statistics.median(w), statistics.median(m), statistics.median(c), min(w))
            print(f"| {labels[name]} | {med[name][0]:.2f} s ({min(w):.2f} - {max(w):.2f}) | "
                  f"{med[name][2]:.2f} s ({min(c):.2f} - {max(c):.2f}) | {med[name][1]:.0f} MB ({min(m):.0f} - {max(m):.0f}) |")
        rw, rm, rc_ = med["qa"][0] / med["naive"][0], med["qa"][1] / med["naive"][1], med["qa"][2] / med["naive"][2]
        print(f"| **qa / naive** | **{rw:.3f}x** ({1 / rw:.1f}x faster; min/min {med['qa'][3] / med['naive'][3]:.3f}x) | "
              f"**{rc_:.3f}x** | **{rm:.2f}x** |")
        ok_wall = med["qa"][0] <= 1.0 and rw <= 0.13
        print(f"\ntarget qa <= 1.0 s and <= 0.13x naive: {'met' if ok_wall else 'NOT met'} "
              f"(qa {med['qa'][0]:.2f} s, {rw:.3f}x). CPUs busy with other work between runs: "
              f"median {statistics.median(busy):.0%}.")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
