"""How faithfully qa reads a PDF: HTML pages printed to PDF by Chromium, read back by qa.pdfdoc,
compared word for word with what qa.htmldoc reads from the page itself.

    .venv/bin/python bench/pdf_fidelity.py [--pages 40] [--seed 7] [--root /usr/share/doc]

Prints one row per page and a summary: word recall (the share of the HTML text's words the PDF
text holds, in order: difflib's matching blocks), word precision (the other way round), whether
the page's file:// address (Chromium's footer) was left in, pages and seconds to convert. Needs
Debian's chromium (`/usr/bin/chromium`).
"""

from __future__ import annotations

import argparse
import difflib
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qa import htmldoc, pdfdoc  # noqa: E402
from qa.encoding import decode  # noqa: E402
from qa.errors import CorpusError  # noqa: E402


def html_text(path: Path) -> str | None:
    try:
        raw = path.read_bytes()
        if not 3000 < len(raw) < 80000:
            return None
        _, text, _ = htmldoc.convert(decode(raw, str(path), True), "x")
    except (OSError, CorpusError):
        return None
    return text if len(text) >= 1500 else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=40)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--root", default="/usr/share/doc")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args()
    pages = sorted(Path(args.root).rglob("*.html"))
    random.Random(args.seed).shuffle(pages)
    rows = []
    print("| page | words | recall | precision | address left | PDF pages | convert s |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for src in pages:
            if len(rows) >= args.pages:
                break
            text = html_text(src)
            if text is None:
                continue
            out = Path(tmp) / "page.pdf"
            subprocess.run([args.chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--print-to-pdf={out}",
                            src.resolve().as_uri()], capture_output=True, timeout=120)
            if not out.exists():
                continue
            data = out.read_bytes()
            out.unlink()
            t0 = time.perf_counter()
            try:
                _, ptext, _, _ = pdfdoc.convert(data, "x")
            except CorpusError as e:
                print(f"| {src} | error: {e} |")
                continue
            seconds = time.perf_counter() - t0
            a, b = text.split(), ptext.split()
            matched = sum(m.size for m in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())
            n_pages = len(pdfdoc.read(data)[0])
            row = (matched / len(a), matched / max(len(b), 1), src.resolve().as_uri() in ptext, n_pages, seconds)
            rows.append(row)
            print(f"| {src.relative_to(args.root)} | {len(a)} | {row[0]:.3f} | {row[1]:.3f} | {'yes' if row[2] else ''} "
                  f"| {n_pages} | {seconds:.2f} |", flush=True)
    if not rows:
        sys.exit("no page to measure")
    recall, precision = [r[0] for r in rows], [r[1] for r in rows]
    print(f"\n{len(rows)} pages, {sum(r[3] for r in rows)} PDF pages: word recall median {statistics.median(recall):.3f} "
          f"(min {min(recall):.3f}), precision median {statistics.median(precision):.3f} (min {min(precision):.3f}); "
          f"address left in {sum(r[2] for r in rows)}; converting took {sum(r[4] for r in rows):.1f} s "
          f"({sum(r[3] for r in rows) / sum(r[4] for r in rows):.0f} PDF pages/s)")


if __name__ == "__main__":
    main()
