"""Human-readable output for the terminal (colour only when asked, i.e. on a TTY)."""

from __future__ import annotations

import textwrap

import click

from qa.evaluate import Report
from qa.schemas import AskResponse


def text(r: AskResponse, color: bool = False) -> str:
    style = (lambda s, **kw: click.style(s, **kw)) if color else (lambda s, **kw: s)
    lines = [style(r.answer, bold=True)]
    if r.answered:
        lines.append(style(f"confidence {r.confidence:.2f}", dim=True))
        for n, c in enumerate(r.citations, 1):
            lines.append(f"[{n}] " + style(c.section, fg="cyan") + style(f"  {c.source}:{c.start}-{c.end}", dim=True))
            lines.append(textwrap.indent(textwrap.fill(c.text, 88), "    "))
    elif r.suggestions:
        lines.append("Did you mean:")
        lines += [f"  - {s}" for s in r.suggestions]
    return "\n".join(lines)


def report(r: Report) -> str:
    rows = [
        ("hit@1 (citations[0] has the expected text)", f"{r.hit_at_1:.3f}"),
        ("answer precision (answer has it)", f"{r.answer_precision:.3f}"),
        (f"MRR@5", f"{r.mrr_at_5:.3f}"),
        ("abstained on unanswerable", f"{r.abstained}/{r.unanswerable}"),
        ("false abstentions on answerable", f"{r.false_abstentions}/{r.answerable}"),
        ("latency p50 / p95", f"{r.latency_p50_ms:.1f} / {r.latency_p95_ms:.1f} ms"),
    ]
    width = max(len(k) for k, _ in rows)
    out = [f"{k:<{width}}  {v}" for k, v in rows]
    if r.misses:
        out.append(f"\n{len(r.misses)} misses:")
        for m in r.misses:
            want = "(no answer)" if m["expected"] is None else repr(m["expected"])
            out.append(f"  {m['question']!r}: want {want}; got {m['got']!r}")
    return "\n".join(out)
