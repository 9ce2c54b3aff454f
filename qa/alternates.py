"""Curated alternates, kept in git beside the documents: other phrasings of FAQ entries, and synonyms.

Every `alternates.yaml` and `*.alternates.yaml` (or `.yml`) below the corpus folder is read
(folders starting with "." are skipped, as for documents). The format:

    alternates:                                   # more ways to ask for an entry
      "Who are Baseten’s main competitors?":      #   key: an FAQ question as written (case, spacing,
        - who are baseten's rivals                #   curly quotes and the final "?" do not matter)
        - who does baseten compete with
      baseten-funding.md#p2:                      #   or a passage id (a citation's id)
        - what is a split-priced round
    synonyms:                                     # phrases that mean the same; a question holding
      - ["$13B", "$13 billion", "13 bn"]          # one is searched with the others added
      - [VC, venture capitalist]

`load(corpus)` parses and validates them all; a problem is one QAError line naming the file and
the key ("corpus/alternates.yaml: alternates: 'What is AI inference?': expected a list of
phrasings"). `Alternates.phrasings(passage)` gives an entry's extra phrasings (for extra FAQ
question units at index time), `Alternates.expand(query)` adds synonyms to a search text, and
`Alternates.unmatched(passages)` names the keys no passage answers to (for a warning).
`snippet(key, phrasings)` writes an entry the way `qa report` offers it, ready to paste.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from qa.config import MAX_QUESTION_CHARS
from qa.errors import QAError
from qa.lexical import terms

NAMES = ("alternates.yaml", "alternates.yml")
SUFFIXES = (".alternates.yaml", ".alternates.yml")
SECTIONS = ("alternates", "synonyms")
MAX_FILE_BYTES = 5_000_000


class AlternatesError(QAError):
    """An alternates file cannot be used; the message names the file, the key and the fix."""


def files(corpus: Path) -> list[Path]:
    """The alternates files below the corpus folder, sorted (none when the folder does not exist)."""
    corpus = Path(corpus)
    if not corpus.is_dir():
        return []
    return sorted(p for p in corpus.rglob("*") if p.is_file() and is_alternates_file(p)
                  and not any(part.startswith(".") for part in p.relative_to(corpus).parts))


def is_alternates_file(path: Path) -> bool:
    name = path.name.lower()
    return name in NAMES or name.endswith(SUFFIXES)


def key_of(text: str) -> str:
    """How keys and FAQ questions are compared: case-folded, quotes straightened, spacing and the
    final punctuation ignored."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.split()).casefold().rstrip("?!.:; ")


@dataclass(frozen=True)
class Synonyms:
    phrases: tuple[str, ...]
    stems: tuple[tuple[str, ...], ...]  # each phrase's content terms, as BM25 sees them


@dataclass
class Alternates:
    by_key: dict[str, list[str]] = field(default_factory=dict)  # key_of(key) -> phrasings, in file order
    keys: dict[str, tuple[str, str]] = field(default_factory=dict)  # key_of(key) -> (file, key as written)
    synonyms: list[Synonyms] = field(default_factory=list)
    sources: list[Path] = field(default_factory=list)
    sha256: str = ""  # of the files' bytes: a build that uses the phrasings is stale when it changes

    def __bool__(self) -> bool:
        return bool(self.by_key or self.synonyms)

    def phrasings(self, passage) -> list[str]:
        """Extra phrasings for a passage (anything with .id and .question): those keyed by its id,
        then those keyed by its FAQ question; no duplicates, none equal to the question itself."""
        out: list[str] = []
        own = key_of(getattr(passage, "question", "") or "")
        for key in (key_of(passage.id), own):
            for p in self.by_key.get(key, ()) if key else ():
                if key_of(p) != own and key_of(p) not in {key_of(o) for o in out}:
                    out.append(p)
        return out

    def unmatched(self, passages: Iterable) -> list[str]:
        """'file: key' for each key that names no passage id and no FAQ question."""
        seen = set()
        for p in passages:
            seen.add(key_of(p.id))
            if getattr(p, "question", ""):
                seen.add(key_of(p.question))
        return [f"{source}: {key!r}" for k, (source, key) in self.keys.items() if k not in seen]

    def expand(self, query: str) -> str:
        """The query with the synonyms of every phrase found in it added (whole words, any case,
        "$13B" found as "13 billion"); unchanged when none is found."""
        if not self.synonyms:
            return query
        have = _terms(query)
        added: list[str] = []
        for group in self.synonyms:
            if any(_contains(have, s) for s in group.stems):
                for phrase, stems in zip(group.phrases, group.stems):
                    if not _contains(have, stems):
                        added.append(phrase)
                        have = have + list(stems)
        return f"{query} {' '.join(added)}" if added else query


def _terms(text: str) -> list[str]:
    """Content terms as BM25 reads them, a final "s" dropped too, so acronyms match in the plural (VC, VCs)."""
    return [t[:-1] if len(t) > 2 and t.endswith("s") else t for t in terms(text)]


def _contains(words: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return n > 0 and any(tuple(words[i:i + n]) == phrase for i in range(len(words) - n + 1))


# ---- reading ---------------------------------------------------------------------------------------


def load(corpus: Path) -> Alternates:
    """Every alternates file below `corpus`, merged (phrasings of one key from several files add up)."""
    out = Alternates()
    digest = hashlib.sha256()
    for path in files(corpus):
        try:
            raw = path.read_bytes()
        except OSError as e:
            raise AlternatesError(f"{path}: cannot be read ({e.strerror or e}).") from None
        if len(raw) > MAX_FILE_BYTES:
            raise AlternatesError(f"{path}: larger than {MAX_FILE_BYTES} bytes; split it into several *.alternates.yaml files.")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise AlternatesError(f"{path}: not UTF-8 text (bad byte at position {e.start}).") from None
        digest.update(path.relative_to(corpus).as_posix().encode() + b"\0" + raw + b"\0")
        merge(out, parse(text, str(path)))
        out.sources.append(path)
    out.sha256 = digest.hexdigest() if out.sources else ""
    return out


def fingerprint(corpus: Path) -> str:
    """What load(corpus).sha256 will be, from the files' bytes alone: cheap enough for every start."""
    digest, found = hashlib.sha256(), False
    for path in files(corpus):
        try:
            raw = path.read_bytes()
        except OSError:
            raw = b"unreadable"
        digest.update(path.relative_to(corpus).as_posix().encode() + b"\0" + raw + b"\0")
        found = True
    return digest.hexdigest() if found else ""


def merge(into: Alternates, other: Alternates) -> None:
    for k, phrasings in other.by_key.items():
        have = into.by_key.setdefault(k, [])
        have += [p for p in phrasings if key_of(p) not in {key_of(h) for h in have}]
        into.keys.setdefault(k, other.keys[k])
    into.synonyms += other.synonyms


def parse(text: str, source: str = "alternates.yaml") -> Alternates:
    """One file's text -> Alternates; AlternatesError names `source`, the line or key, and the problem."""
    data = _yaml(text, source)
    if data is None:
        return Alternates()
    if not isinstance(data, dict):
        raise AlternatesError(f"{source}: expected a mapping with 'alternates:' and/or 'synonyms:' at the top.")
    unknown = [str(k) for k in data if k not in SECTIONS]
    if unknown:
        raise AlternatesError(f"{source}: {unknown[0]}: unknown section; the sections are 'alternates' and 'synonyms'.")
    out = Alternates()
    entries = data.get("alternates") or {}
    if not isinstance(entries, dict):
        raise AlternatesError(f"{source}: alternates: expected a mapping of FAQ question or passage id -> list of phrasings.")
    for key, phrasings in entries.items():
        where = f"{source}: alternates: {key!r}"
        if not isinstance(key, str) or not key.strip():
            raise AlternatesError(f"{where}: the key must be an FAQ question or a passage id (text).")
        if isinstance(phrasings, str):
            phrasings = [phrasings]
        if not isinstance(phrasings, list) or not phrasings:
            raise AlternatesError(f"{where}: expected a list of phrasings (\"- other words\" lines).")
        clean = []
        for i, p in enumerate(phrasings, 1):
            if not isinstance(p, str) or not " ".join(p.split()):
                raise AlternatesError(f"{where}: phrasing {i} must be non-empty text, not {_short(p)}.")
            p = " ".join(p.split())
            if len(p) > MAX_QUESTION_CHARS:
                raise AlternatesError(f"{where}: phrasing {i} is {len(p)} characters long; the limit is {MAX_QUESTION_CHARS}.")
            if key_of(p) not in {key_of(c) for c in clean}:
                clean.append(p)
        k = key_of(key)
        if k in out.by_key:
            raise AlternatesError(f"{where}: the same entry twice (keys differ only in case, spacing or quotes); merge them.")
        out.by_key[k], out.keys[k] = clean, (source, key)
    groups = data.get("synonyms") or []
    if not isinstance(groups, list):
        raise AlternatesError(f"{source}: synonyms: expected a list of lists, e.g. - [\"$13B\", \"$13 billion\"].")
    for n, group in enumerate(groups, 1):
        where = f"{source}: synonyms: group {n}"
        if not isinstance(group, list) or len(group) < 2:
            raise AlternatesError(f"{where}: expected a list of two or more phrases that mean the same, "
                                  f"not {_short(group)}.")
        phrases, stems = [], []
        for p in group:
            if not isinstance(p, (str, int, float)) or isinstance(p, bool) or not str(p).strip():
                raise AlternatesError(f"{where}: {_short(p)} is not a phrase.")
            p = " ".join(str(p).split())
            t = tuple(_terms(p))
            if not t:
                raise AlternatesError(f"{where}: {p!r} has no word that can be searched (only stop words or signs).")
            if t not in stems:
                phrases.append(p)
                stems.append(t)
        if len(phrases) < 2:
            raise AlternatesError(f"{where}: its phrases all read the same when searched ({_short(group)}); "
                                  "nothing to add.")
        out.synonyms.append(Synonyms(tuple(phrases), tuple(stems)))
    return out


def _short(value: object, limit: int = 120) -> str:
    """A value as a message shows it: its repr, cut to `limit` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _yaml(text: str, source: str):
    import yaml

    class UniqueKeys(yaml.SafeLoader):
        def compose_node(self, parent, index):
            # an alias repeats what an anchor holds: nested ones expand to billions of phrases from a
            # few hundred bytes (a "billion laughs"); phrasings are written out instead
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise AlternatesError(f"{source}:{event.start_mark.line + 1}: an alias (*{str(event.anchor)[:40]}); "
                                      "write the phrasings out, aliases are not read.")
            return super().compose_node(parent, index)

    def mapping(loader, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            if isinstance(key, str) and key in seen:
                line = key_node.start_mark.line + 1
                raise AlternatesError(f"{source}:{line}: {key!r}: the same key twice; merge the two entries.")
            seen.add(key if isinstance(key, str) else id(key))
        return loader.construct_mapping(node, deep=deep)

    UniqueKeys.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    try:
        return yaml.load(text, Loader=UniqueKeys)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{source}:{mark.line + 1}" if mark else source
        raise AlternatesError(f"{where}: not valid YAML ({e.problem or e.context}).") from None
    except yaml.YAMLError as e:
        raise AlternatesError(f"{source}: not valid YAML ({e}).") from None


# ---- writing -----------------------------------------------------------------------------------------


def snippet(key: str, phrasings: list[str]) -> str:
    """An `alternates:` entry, ready to paste into alternates.yaml (under an existing `alternates:`
    line, paste all but the first line). Strings are double-quoted: JSON strings are YAML too."""
    lines = ["alternates:", f"  {_quoted(key)}:"] + [f"    - {_quoted(p)}" for p in phrasings]
    return "\n".join(lines) + "\n"


def snippets(entries: list[tuple[str, list[str]]]) -> str:
    """Several entries as one `alternates:` block, each key once ("" for none)."""
    if not entries:
        return ""
    return "alternates:\n" + "".join(snippet(key, phrasings).split("\n", 1)[1] for key, phrasings in entries)


def _quoted(text: str) -> str:
    import json

    out = json.dumps(text, ensure_ascii=False)
    for c in ("\u2028", "\u2029", "\x85", "\ufeff"):  # line breaks or a BOM to YAML, not to JSON
        out = out.replace(c, f"\\u{ord(c):04x}")
    return out
