"""Follow-up questions: is a question leaning on the conversation, and if so, what to search for.

"how much are they raising?", "and the Series D?", "why do critics dislike it?" mean little alone.
With the earlier turns of the conversation (oldest first, each a question and the answer given),
`search_text` decides whether the question is a follow-up and, if it is, appends the salient
terms of the earlier turns to it: their content words, capitalised names and numbers, most recent
turn first, walking back to the last turn that stood on its own (the topic's anchor). A standalone
question is returned unchanged, so it is answered exactly as without a conversation.

Signals, all generic (nothing here knows any corpus), weighed in this order by Reading.follow_up:
  - an elliptical opening: "and …", "but …", "so …", "what about …", "how about …", after any
    interjection ("ok but …", "nice, what about …")                                   -> follow-up
  - mostly words the corpus does not know ("is baseten profitable", "best pizza in nyc"): a new
    topic, left alone so that it is declined as before                                 -> standalone
  - no content word the corpus knows ("over what period?", "what's the downside?"); words that
    ask for more on what was said ("example", "details", "explain") are not content here -> follow-up
  - an anaphor (it, they, this, that, their, them, then, one, a "there" that names a place rather
    than says something exists: "applied by default there?", not "is there a limit?") in a question naming fewer
    than SELF_CONTAINED things the corpus knows ("why do critics dislike it?")         -> follow-up;
    everyday words ("need", "work", "good", "side": qa.spelling.common_words) are not counted, for
    a large corpus knows them all ("what do i need on the server for it to work?")
  - very short: at most SHORT_WORDS words, one known content word that is not everyday English
    ("at what valuation?", "does pypy work?")                                           -> follow-up
  - written in Chinese, Japanese or Korean, whose words run together (no word is "known"): a
    follow-up only with a pronoun ("それ", "它") or when a word or so long ("本当？")
"Known" means the word's stem occurs in the indexed passages (the BM25 vocabulary).

When a follow-up repeats a word of the earlier question with another word beside it ("when was the
Series E?" then "and the Series D?"), the word it swaps out ("E") is not carried over; so is the
word after a frame of FRAME or more words both questions share ("how do i install gadget?" then "and
how do i configure it?": "install"), which kept such a follow-up on the installation passage. On the
development dialogues this changed no answer (the frame is rare there).

A follow-up that names OWN_WORDS or more specific things of its own ("and python 2?", "what c
compiler does it need?") is searched alone too, and ranked by both searches (qa.engine,
qa.retrieve.reorder): the borrowed words alone pulled such follow-ups back to the previous answer's
passage. Development dialogues (6 sets, 115 answerable), right citations 77 -> 80 (READMEs, the
Valgrind/xsltproc/man-db/APT and GCC/libjpeg/lsof/systemd dialogues +1 each; no set lost one),
one more false abstention; with every known word counted (+6, but the mixed systemd/pip/coreutils
set -2 and two more false abstentions), 1 word (+6, that set -4) or 3 (+1) it did worse. After an
elliptical opening ("and on windows?", "what about competitors?") one word is enough: 81 -> 84
(pip/npm/ssh +3, Valgrind/xsltproc +1, systemd/pip/coreutils -1), no decline or false abstention
changed. A "there" naming a place said before counts as an anaphor: 80 -> 81 (READMEs +1, one false
abstention fewer).

Measured (tests/eval/dialogues-dev.jsonl, the development dialogues): carrying the previous
answer's names and numbers too made things worse (hit@1 0.68 -> 0.53), so ANSWER_TERMS is 0.
The response still echoes what the user typed; only the searched text changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from qa.lexical import CONTRACTIONS, STOPWORDS, WIDE, terms
from qa.spelling import common_words

MAX_TURNS = 3  # earlier turns looked at, most recent first
MAX_TERMS = 8  # salient terms added to a follow-up
SELF_CONTAINED = 3  # known content words that make a question stand alone despite an anaphor
SHORT_WORDS = 3  # a question this short with at most one known content word is a follow-up
OFF_TOPIC = 3  # unknown content words that make a question with an anaphor a new topic (2 without one)
ANSWER_TERMS = 0  # names and numbers of the most recent answer: measured to hurt (dev dialogues 0.68 -> 0.53)
OWN_WORDS = 2  # specific words of its own that get a follow-up searched alone too (names_its_own)

ANAPHORA = frozenset("""it its itself they them their theirs themselves this that these those he him his
himself she her hers herself then others other former latter one ones same""".split())
# contractions typed without the apostrophe are not content words, nor are words asking for more on
# what was just said ("can you give an example?", "explain")
GENERIC = CONTRACTIONS | frozenset("example examples instance instances detail details elaborate explain clarify "
                                   "meaning".split())
OPENINGS = (("and",), ("but",), ("also",), ("plus",), ("or",), ("so",), ("what", "about"), ("how", "about"),
            ("what", "else"), ("anything", "else"), ("same", "for"), ("what", "of"))
# openings that a question standing alone uses too ("what if the reset fails on the server?"), as
# is any opening after an interjection ("ok but how do I reset the server password?"): a follow-up
# only when the question does not name its own topic (fewer than SELF_CONTAINED specific words)
WEAK_OPENINGS = (("what", "if"),)
# words that open a reply before it says anything: "ok but …", "nice, what about …"
INTERJECTIONS = frozenset("ok okay oh ah hmm nice cool great thanks thx right alright well yeah yes no sure".split())

# A surface token: a number with its unit ($1.5B, 13 billion, 160%, 2019) or a word (split-priced, Baseten’s).
_TOKEN = re.compile(r"[$€£]?\d+(?:[.,]\d+)*(?:%|\s?(?:bn|b|mn|m|k|billion|million|thousand|trillion|bil)\b)?"
                    r"|[^\W\d_][^\W_]*(?:['’-][^\W_]+)*", re.IGNORECASE)
_NUMBER = re.compile(r"[$€£]?\d")


class Known(Protocol):
    """What the corpus knows: a term (stemmed, as qa.lexical.terms makes them) -> passage count."""

    df: Mapping[str, int]
    n: int  # passages


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str = ""


def turns(history: Iterable | None) -> list[Turn]:
    """History items as Turns: Turn, any object with .question/.answer (the API's model), dicts, pairs."""
    out = []
    for t in history or ():
        if isinstance(t, Turn):
            out.append(t)
        elif isinstance(t, Mapping):
            out.append(Turn(str(t.get("question") or ""), str(t.get("answer") or "")))
        elif isinstance(t, (tuple, list)):
            out.append(Turn(str(t[0]), str(t[1]) if len(t) > 1 else ""))
        else:
            out.append(Turn(str(getattr(t, "question", "") or ""), str(getattr(t, "answer", "") or "")))
    return [t for t in out if t.question.strip()]


@dataclass(frozen=True)
class Token:
    text: str  # as written
    start: int
    number: bool
    capitalised: bool  # a capital letter not at the start of a sentence: a name
    stems: tuple[str, ...]  # its content terms (stop words removed, stemmed), as BM25 counts them


def tokens(text: str) -> list[Token]:
    out = []
    for m in _TOKEN.finditer(text):
        word = m.group(0)
        number = bool(_NUMBER.match(word))
        before = text[max(0, m.start() - 8):m.start()]
        at_start = m.start() == 0 or "\n" in before or before.rstrip(" \t\"'“‘(")[-1:] in ("", ".", "!", "?", ":", ";")
        capitalised = not number and word[0].isupper() and (not at_start or _is_name(word))
        out.append(Token(word, m.start(), number, capitalised, tuple(terms(word))))
    for i, t in enumerate(out[:-1]):  # "Spark Capital" opening a sentence: the next word shows it is a name
        nxt = out[i + 1]
        if t.text[0].isupper() and not t.number and not t.capitalised and nxt.capitalised and \
                text[t.start + len(t.text):nxt.start].strip() == "":
            out[i] = Token(t.text, t.start, False, True, t.stems)
    return out


def _is_name(word: str) -> bool:
    """A capitalised word at the start of a sentence is a name only if it looks like one (AWS, iPhone)."""
    return sum(c.isupper() for c in word) > 1


def _word(token: Token) -> str:
    return re.sub(r"['’]s$", "", token.text.lower())


@dataclass(frozen=True)
class Reading:
    """What a question says about itself: the signals `is_follow_up` weighs."""

    words: int  # tokens, numbers included
    opening: bool  # starts like a continuation: "and …", "what about …"
    weak: bool  # ... with an opening a standalone question may have too ("what if …", "ok but …")
    anaphora: tuple[str, ...]  # pronouns and other words pointing back
    known: tuple[str, ...]  # content terms the corpus knows
    unknown: tuple[str, ...]  # content words it does not know
    specific: tuple[str, ...] = ()  # known words that are not everyday English (worked out for the rules that read it)
    wide: bool = False  # written in Chinese, Japanese or Korean only: no words to tell known from unknown

    @property
    def follow_up(self) -> bool:
        if (self.opening and not self.weak) or not self.words:
            return True
        if self.wide:  # its words run together, so none is "known": a pronoun or a very short one leans back
            return bool(self.anaphora) or self.words <= 1
        if self.opening and len(self.specific) < SELF_CONTAINED:
            return True
        if len(self.unknown) > len(self.known) and len(self.unknown) >= (OFF_TOPIC if self.anaphora else 2):
            return False  # mostly about things the corpus does not know: a new topic (and likely no answer)
        if not self.known:
            return True
        if self.anaphora and len(self.specific) < SELF_CONTAINED:
            return True
        return self.words <= SHORT_WORDS and len(self.specific) <= 1 and not self.unknown


def read(question: str, known: Known) -> Reading:
    toks = tokens(question)
    low = [_word(t) for t in toks]
    strong, weak = _opening(low)
    anaphora, have, unknown, words = [], [], [], []
    for i, (t, w) in enumerate(zip(toks, low)):
        if w in ANAPHORA or (w == "there" and t.text.lower() == "there" and _locative(low, i)):
            anaphora.append(w)
        elif w in STOPWORDS or w in GENERIC:
            continue
        elif any(s in known.df for s in t.stems):
            have += [s for s in t.stems if s in known.df and s not in have]
            words.append(w)
        elif not t.number:
            unknown.append(w)
    short = words_in(toks) <= SHORT_WORDS and not unknown
    specific = _specific(toks, known) if anaphora or short or weak else ()
    wide = bool(toks) and all(WIDE.search(t.text) for t in toks if not t.number)
    if wide:
        anaphora += _WIDE_ANAPHORA.findall(question)
    return Reading(words_in(toks), strong or weak, weak, tuple(anaphora), tuple(have), tuple(unknown), specific,
                   wide)


WIDE_CHARS_PER_WORD = 2
# pronouns pointing back in Chinese ("它", "这个"), Japanese ("それ", "その") and Korean ("그것")
_WIDE_ANAPHORA = re.compile("它们|它|这个|那个|这些|那些|それ|これ|あれ|その|この|あの|그것|이것|저것")


def words_in(toks: list[Token]) -> int:
    """How many words the tokens hold: a run of Chinese, Japanese or Korean characters counts one
    word per WIDE_CHARS_PER_WORD characters ("東京の営業時間は" is a question of several words, not a
    one-word follow-up)."""
    return sum(max(1, len(t.text) // WIDE_CHARS_PER_WORD) if WIDE.search(t.text) else 1 for t in toks)


_BE = frozenset("is are was were be been isn't aren't wasn't weren't 's".split())


def _locative(low: list[str], i: int) -> bool:
    """ "there" points at a place said before ("can i post questions there?"), unless it says that
    something exists ("is there a limit?", "there are two")."""
    return not ((i > 0 and low[i - 1] in _BE) or (i + 1 < len(low) and low[i + 1] in _BE))


def _opening(low: list[str]) -> tuple[bool, bool]:
    """(opens like a continuation, ... with an opening a standalone question may have too): "and …",
    "what about …"; "what if …", or any opening after an interjection ("ok but …"), is weak."""
    first = next((i for i, w in enumerate(low) if w not in INTERJECTIONS), len(low))
    strong = any(tuple(low[first:first + len(o)]) == o for o in OPENINGS)
    weak = any(tuple(low[first:first + len(o)]) == o for o in WEAK_OPENINGS) or (strong and first > 0)
    return strong, weak


def names_its_own(question: str, known: Known) -> bool:
    """The question names at least OWN_WORDS things of its own that the corpus knows (words that are
    not everyday English, numbers): a follow-up such as "and python 2?" is searched alone too
    (qa.engine), not only with the words it borrows ("do i need to be root to try that?" names one:
    "need" and "try" are everyday words). One is enough after an elliptical opening ("and on
    windows?", "what about competitors?"): the word it brings is what it asks about now."""
    toks = tokens(question)
    own = len(_specific(toks, known))
    strong, weak = _opening([_word(t) for t in toks])
    return own >= OWN_WORDS or (own >= 1 and strong and not weak)


def specific_words(question: str, known: Known) -> tuple[str, ...]:
    """The question's content words (and numbers) the corpus knows, less everyday English ones."""
    return _specific(tokens(question), known)


def _specific(toks: list[Token], known: Known) -> tuple[str, ...]:
    out = []
    for t in toks:
        w = _word(t)
        if w in ANAPHORA or w in STOPWORDS or w in GENERIC or w in common_words():
            continue
        if any(s in known.df for s in t.stems) and w not in out:
            out.append(w)
    return tuple(out)


def is_follow_up(question: str, known: Known) -> bool:
    """Whether the question leans on the conversation (see the module docstring for the signals)."""
    return read(question, known).follow_up


def salient(text: str, known: Known, names_and_numbers_only: bool = False) -> list[Token]:
    """Content words the corpus knows, capitalised names and numbers, in the order written."""
    out = []
    for t in tokens(text):
        w = _word(t)
        if w in ANAPHORA or w in STOPWORDS or w in GENERIC:
            continue
        if t.number or t.capitalised:
            out.append(t)
        elif not names_and_numbers_only and any(s in known.df for s in t.stems):
            out.append(t)
    return out


def replaced(question: str, earlier: str) -> set[int]:
    """Start offsets (in `earlier`) of words the question swaps out: "when was the Series E?" then
    "and the Series D?" repeats "Series" with another word beside it, so "E" is not carried over."""
    q, e = tokens(question), tokens(earlier)
    out = set()
    for i, a in enumerate(q):
        for j, b in enumerate(e):
            if not a.stems or a.stems != b.stems:
                continue
            for step in (-1, 1):
                if 0 <= i + step < len(q) and 0 <= j + step < len(e) and q[i + step].stems \
                        and e[j + step].stems and q[i + step].stems != e[j + step].stems:
                    out.add(e[j + step].start)
    out |= _reframed(q, e)
    return out


FRAME = 2  # words in a row that make the same frame ("how do i …")


def _reframed(q: list[Token], e: list[Token]) -> set[int]:
    """Start offsets (in the earlier question) of the word a follow-up puts in the same frame:
    "how do i install gadget?" then "and how do i configure it?" swaps "install" for "configure"."""
    qw, ew = [t.text.lower() for t in q], [t.text.lower() for t in e]
    out = set()
    for i in range(len(q)):
        for j in range(len(e)):
            n = 0
            while i + n < len(q) and j + n < len(e) and qw[i + n] == ew[j + n]:
                n += 1
            if n < FRAME or (i > 0 and j > 0 and qw[i - 1] == ew[j - 1]):
                continue  # too short, or not the start of the run
            a, b = i + n, j + n
            if a < len(q) and b < len(e) and q[a].stems and e[b].stems and q[a].stems != e[b].stems:
                out.add(e[b].start)
    return out


def rarity(token: Token, known: Known) -> float:
    """Sort key, rarest first: the fewest passages holding all of the token's terms (unknown: rarest)."""
    return min((known.df.get(s, 0) for s in token.stems), default=0) / max(known.n, 1)


def context_terms(question: str, history: Sequence[Turn], known: Known) -> list[str]:
    """The terms a follow-up borrows: from the most recent turn back to the last standalone one."""
    own = tokens(question)
    have = {s for t in own for s in t.stems} | {t.text.lower() for t in own}
    added: list[str] = []

    def take(candidates: list[Token], limit: int, skip: set[int] = frozenset()) -> None:
        for t in candidates:
            key = set(t.stems) or {t.text.lower()}
            if len(added) >= limit:
                return
            if key <= have or t.start in skip:
                continue
            have.update(key)
            have.add(t.text.lower())
            added.append(t.text)

    recent = list(reversed(history[-MAX_TURNS:]))
    for n, turn in enumerate(recent):
        take(salient(turn.question, known), MAX_TERMS, replaced(question, turn.question))
        if n + 1 == len(recent) or not is_follow_up(turn.question, known):
            break  # this turn named its own topic: older turns belong to an earlier one
    if recent and ANSWER_TERMS:
        # the last answer's rarest names and numbers: what "it", "they", "that" most likely point at
        names = sorted(salient(recent[0].answer, known, names_and_numbers_only=True), key=lambda t: rarity(t, known))
        take(names, min(MAX_TERMS, len(added) + ANSWER_TERMS))
    return added


def search_text(question: str, history: Iterable | None, known: Known) -> str:
    """The text to search for `question` asked after `history` (oldest first): the question itself
    when it stands alone or there is no history, else the question and the borrowed terms."""
    past = turns(history)
    if not past or not is_follow_up(question, known):
        return question
    extra = context_terms(question, past, known)
    return f"{question} {' '.join(extra)}" if extra else question


def is_standalone(question: str, history: Iterable | None, known: Known) -> bool:
    return search_text(question, history, known) == question
