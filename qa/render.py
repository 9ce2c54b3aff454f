"""Human-readable output for the terminal (colour only when asked, i.e. on a TTY).

Every piece of corpus- or user-supplied text goes through `safe` first: a document or a feedback
comment must not be able to set the terminal's title, move its cursor or hide a line.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable

import click

from qa.evaluate import DialogueReport
from qa.evaluate import Report as EvalReport
from qa.schemas import AskResponse, Citation, Report, ReportItem


# Terminal escape sequences, removed whole: CSI (colours, cursor moves), OSC (window title,
# hyperlinks, clipboard) up to BEL or ST (an unterminated one up to the end of its line), DCS, SOS,
# PM and APC strings, and two- or three-character escapes; in their 7-bit and 8-bit (C1) forms.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # C0, DEL and C1


def safe(s: str, keep: str = "") -> str:
    """`s` with escape sequences removed and every other control character made a space, except
    those in `keep` (e.g. "\n" where the layout needs line breaks): fit to print to a terminal."""
    s = _ESCAPES.sub("", s)
    return _CONTROLS.sub(lambda m: m.group() if m.group() in keep else " ", s)


_C1 = re.compile(r"[\x80-\x9f]")


def safe_json(s: str) -> str:
    """JSON text with the C1 control characters (U+0080-U+009F: raw in JSON strings, and some
    terminals read U+009B as an escape) written as \\u escapes, which is the same JSON."""
    return _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", s)


def ascii_json(s: str) -> str:
    """JSON text with every character outside ASCII written as a \\u escape (a pair of them beyond
    U+FFFF): the same JSON, for an output that cannot take UTF-8. JSON's own syntax is ASCII, so
    such a character can only sit inside a string."""
    def escape(m: re.Match) -> str:
        code = ord(m.group())
        if code <= 0xFFFF:
            return f"\\u{code:04x}"
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return _NON_ASCII.sub(escape, s)


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def plural(n: int, noun: str) -> str:
    """"1 document", "9 passages"."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def text(r: AskResponse, color: bool = False, page: Callable[[Citation], int | None] | None = None) -> str:
    """`page`: the page a citation is on, for documents that have pages (PDF), shown after its offsets."""
    style = (lambda s, **kw: click.style(s, **kw)) if color else (lambda s, **kw: s)
    lines = [style(safe(r.answer), bold=True)]
    if r.answered:
        lines.append(style(f"confidence {r.confidence:.2f}", dim=True))
        for n, c in enumerate(r.citations, 1):
            on = page(c) if page else None
            lines.append(f"[{n}] " + style(safe(c.section), fg="cyan")
                         + style(f"  {safe(c.source)}:{c.start}-{c.end}" + (f" (page {on})" if on else ""), dim=True))
            lines.append(textwrap.indent(textwrap.fill(safe(c.text), 88), "    "))
    elif r.suggestions:
        lines.append("Did you mean:")
        lines += [f"  - {safe(s)}" for s in r.suggestions]
    return "\n".join(lines)


def figure(x: float | None) -> str:
    """A rate to three places, or "n/a" when the file gave nothing to measure it on."""
    return "n/a" if x is None else f"{x:.3f}"


def report(r: EvalReport) -> str:
    rows = [
        ("hit@1 (citations[0] has the expected text)", figure(r.hit_at_1)),
        ("answer precision (answer has it)", figure(r.answer_precision)),
        ("MRR@5", figure(r.mrr_at_5)),
        ("abstained on unanswerable", f"{r.abstained}/{r.unanswerable}"),
        ("false abstentions on answerable", f"{r.false_abstentions}/{r.answerable}"),
        ("latency p50 / p95", f"{r.latency_p50_ms:.1f} / {r.latency_p95_ms:.1f} ms"),
    ]
    return table(rows, r.misses, lambda m: repr(m["question"]))


def dialogue_report(r: DialogueReport) -> str:
    rows = [
        ("dialogues (answerable / unanswerable last turn)", f"{r.answerable} / {r.unanswerable}"),
        ("follow-up hit@1 (last answer's citations[0] has it)", figure(r.hit_at_1)),
        ("  the last question asked alone", figure(r.alone_hit_at_1)),
        ("answer precision (answer has it)", figure(r.answer_precision)),
        ("MRR@5", figure(r.mrr_at_5)),
        ("abstained on unanswerable follow-ups", f"{r.abstained}/{r.unanswerable}"),
        ("  the last question asked alone", f"{r.alone_abstained}/{r.unanswerable}"),
        ("false abstentions on answerable", f"{r.false_abstentions}/{r.answerable}"),
        ("last turns read as follow-ups", f"{r.follow_ups}/{r.dialogues}"),
        ("latency p50 / p95 (last turn)", f"{r.latency_p50_ms:.1f} / {r.latency_p95_ms:.1f} ms"),
    ]
    return table(rows, r.misses, lambda m: " / ".join(map(repr, m["turns"])))


def table(rows: list[tuple[str, str]], misses: list[dict], asked) -> str:
    """Aligned label/value rows, then each miss: what was asked, what was wanted, what came."""
    width = max(len(k) for k, _ in rows)
    out = [f"{k:<{width}}  {v}" for k, v in rows]
    if misses:
        out.append(f"\n{len(misses)} misses:")
        for m in misses:
            want = "(no answer)" if m["expected"] is None else repr(m["expected"])
            out.append(f"  {asked(m)}: want {want}; got {m['got']!r}")
    return "\n".join(out)


def curation(r: Report, source: str = "", color: bool = False) -> str:
    """`qa report`: counts, then the unanswered and down-voted questions with their nearest entry and snippet."""
    style = (lambda s, **kw: click.style(s, **kw)) if color else (lambda s, **kw: s)
    c = r.counts
    out = [f"Query log{' in ' + safe(source) if source else ''}: {c.queries} questions ({c.answered} answered, "
           f"{c.unanswered} unanswered); feedback: {c.feedback} ({c.up} up, {c.down} down)."]
    for title, items, unit in (("Most asked unanswered questions", r.unanswered, "asked"),
                               ("Most down-voted answers", r.downvoted, "down votes")):
        out.append("")
        out.append(style(title, bold=True) + ("" if items else ": none"))
        for n, item in enumerate(items, 1):
            out += _report_item(n, item, unit, style)
    if r.alternates:
        out += ["", style("All of the above as one alternates.yaml block", bold=True)
                + " (check each entry answers its questions; under an existing 'alternates:' line, paste all but"
                  " the first line):",
                textwrap.indent(safe(r.alternates, keep="\n").rstrip("\n"), "  ")]
    return "\n".join(out)


def _report_item(n: int, item: ReportItem, unit: str, style) -> list[str]:
    when = f", last {item.last[:16].replace('T', ' ')}" if item.last else ""
    when = safe(when)
    lines = [f"{n:>2}. {safe(item.question)}  " + style(f"({unit} {item.count}{when})", dim=True)]
    if item.answer:
        lines.append("      " + style("answered: ", dim=True) + textwrap.shorten(safe(item.answer), 100))
    for comment in item.comments[:3]:
        lines.append(f"      “{textwrap.shorten(safe(comment), 100)}”")
    if item.nearest:
        near = item.nearest
        label = f"nearest FAQ: {near.question}" if near.question else f"nearest passage: {near.section}"
        lines.append("    " + style(safe(label), fg="cyan")
                     + style(f"  {safe(near.id)}, similarity {near.similarity:.2f}", dim=True))
        lines.append(textwrap.indent(safe(item.alternates, keep="\n").rstrip("\n"), "      "))
    return lines
