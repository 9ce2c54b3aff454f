"""FAQ files (.jsonl, .csv) with `question`, `answer` and optional `id` -> one document.

The document's text, served by GET /api/documents/{id} and referred to by citation offsets,
is each entry as "question\\nanswer" with a blank line between entries.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class FaqRow:
    line: int
    question: str
    answer: str
    id: str = ""


def parse(text: str, suffix: str) -> tuple[list[FaqRow], list[str]]:
    """Rows, and one warning per problem, naming its line and what became of the row. A byte-order
    mark opening the file (Excel's "CSV UTF-8" writes one) is not part of its first line."""
    text = text.removeprefix("\ufeff")
    return (parse_jsonl(text) if suffix == ".jsonl" else parse_csv(text))


def parse_jsonl(text: str) -> tuple[list[FaqRow], list[str]]:
    """One JSON object per line. Lines end at a line feed only: U+2028, U+2029 and U+0085 may stand
    in a JSON string unescaped (json.dumps(ensure_ascii=False) writes them so), str.splitlines would
    cut the row there."""
    rows, warnings = [], []
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as e:
            warnings.append(f"line {n}: not JSON ({e.msg}); row skipped.")
            continue
        keep(make_row(n, lowered(obj)), rows, warnings)
    return rows, warnings


def lowered(obj):
    """An object's (or a CSV row's) keys in lower case: "Question" and " answer " are `question` and
    `answer` (an exact lower-case key wins over another spelling of it; a CSV row's cells beyond its
    header, under the key None, stay as they are)."""
    if not isinstance(obj, dict):
        return obj
    out: dict = {}
    for k, v in obj.items():
        key = k.strip().lower() if isinstance(k, str) else k
        if key not in out or k == key:
            out[key] = v
    return out


DELIMITERS = (",", ";", "\t", "|")  # a spreadsheet saves CSV with ";" where "," is the decimal mark


def delimiter(header: str) -> str:
    """The delimiter that makes the header name both a question and an answer column: a comma
    unless only another one does ("question;answer", as Excel writes it in much of Europe)."""
    for d in DELIMITERS:
        names = {f.strip().strip('"').strip().lower() for f in header.split(d)}
        if {"question", "answer"} <= names:
            return d
    return ","


def parse_csv(text: str) -> tuple[list[FaqRow], list[str]]:
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter(text.split("\n", 1)[0]))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "question" not in fields or "answer" not in fields:
        found = ", ".join(repr(f) for f in fields if f) or "nothing"
        return [], [f"line 1: the header must name 'question' and 'answer' columns (it names {found}); no row read."]
    rows, warnings = [], []
    try:
        for record in reader:
            keep(make_row(reader.line_num, lowered(record)), rows, warnings)
    except csv.Error as e:
        warnings.append(f"line {reader.line_num}: {e}; the rest of the file skipped.")
    return rows, warnings


# ids a URL path cannot hold as one segment: a browser reads /api/documents/.. as the parent folder
_DOT_IDS = {".", ".."}


def keep(row: FaqRow | str, rows: list[FaqRow], warnings: list[str]) -> None:
    """A row goes to `rows`, a problem to `warnings`; an id that cannot be used is replaced by a generated one."""
    if isinstance(row, str):
        warnings.append(f"{row}; row skipped.")
        return
    if row.id in _DOT_IDS:
        warnings.append(f"line {row.line}: the id '{row.id}' cannot be used in a link; the entry gets a generated id.")
        row = replace(row, id="")
    rows.append(row)


def make_row(n: int, obj) -> FaqRow | str:
    if not isinstance(obj, dict):
        return f"line {n}: expected an object with 'question' and 'answer'"
    if "question" not in obj or "answer" not in obj:
        has = ", ".join(repr(k) for k in list(obj)[:6]) or "nothing"
        return f"line {n}: 'question' and 'answer' are needed (it has {has})"
    q, a = obj.get("question"), obj.get("answer")
    if not isinstance(q, str) or not isinstance(a, str) or not q.strip() or not a.strip():
        return f"line {n}: 'question' and 'answer' must be non-empty text"
    rid = obj.get("id")
    rid = str(rid).strip() if rid not in (None, "") else ""
    if any(_SURROGATE.search(t) for t in (q, a, rid)):  # a "\udc80" escape in JSON: no text can hold it
        return f"line {n}: holds an escape of half a character (a lone surrogate such as \\udc80), not text"
    return FaqRow(n, " ".join(q.split()), a.strip(), rid)


_SURROGATE = re.compile("[\ud800-\udfff]")


def layout(rows: list[FaqRow]) -> tuple[str, list[tuple[FaqRow, int, int]]]:
    """The document text and, per row, the offsets of its answer in it."""
    parts, spans, pos = [], [], 0
    for row in rows:
        head = row.question + "\n"
        start = pos + len(head)
        spans.append((row, start, start + len(row.answer)))
        chunk = head + row.answer + "\n\n"
        parts.append(chunk)
        pos += len(chunk)
    return "".join(parts), spans
