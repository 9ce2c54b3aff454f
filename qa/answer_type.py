"""What kind of answer a question asks for, and whether a span can be one (classic QA typing).

"who …" wants a name, "when …" a time, "how much/many …" and "which version …" a quantity (a
number); "what is X?" a definition of X (`defined`); "how do I …" a way,
whatever it says after ("how do I see how big my cache is?"). A span that cannot be
that kind of answer is weak evidence that the documents answer the question: the calibration
uses the mismatch as one feature among others, never as a rule by itself.
"""

from __future__ import annotations

import re

_TYPES = [
    ("time", re.compile(r"^\W*when\b|\bwhen (was|is|did|does|do|will|were|are|has|have|had|can|could|should)\b"
                        r"|\bwhat (year|date|day|month|time)\b|\bsince when\b|\bhow (long ago|old)\b", re.I)),
    ("quantity", re.compile(r"\bhow (much|many|big|large|long|far|often)\b|\bwhat (percent|percentage|amount|number)\b"
                            r"|\b(what|which) (\w+ ){0,2}versions?(?=\s*(?:[?.!]|$)|\s+(?:of|is|are|was|were|do|does"
                            r"|did|has|have|had|will|would|can|could|should|must|introduced|added|support|supports"
                            r"|required|requires|needed|needs|on|in|for|ships?|shipped|comes?|came|runs?|works?|i|you"
                            r"|we|they|it)\b)"  # "which version (is it)?", not "what version control system"
                            r"|\bhow (high|low)\b", re.I)),
    ("name", re.compile(r"^\W*(who|whom|whose)\b|\bwho(se)? (is|are|was|were|did|does|do|has|have|will|led|leads)\b", re.I)),
]
_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|"
                     r"thousands?|millions?|billions?|trillions?|half|twice|double|triple|several|few|percent)\b", re.I)
_YEAR = re.compile(r"\b(1[89]|20)\d\d\b")
_TIME = re.compile(r"\b(1[89]|20)\d\d\b|\b(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|"
                   r"sep(tember)?|oct(ober)?|nov(ember)?|dec(ember)?|monday|tuesday|wednesday|thursday|friday|"
                   r"saturday|sunday|today|yesterday|tomorrow|ago|since|until|years?|months?|weeks?|days?|hours?|"
                   r"decades?|quarter|spring|summer|autumn|fall|winter|morning|evening|night)\b", re.I)
_WORDS = re.compile(r"[\w’'&.-]+")
_NOT_NAMES = {"The", "A", "An", "This", "That", "These", "Those", "It", "Its", "In", "On", "At", "For", "If",
              "But", "And", "Or", "However", "While", "When", "After", "Before", "Under", "As", "So", "Some", "We",
              "You", "They", "He", "She", "I", "Our", "Their", "His", "Her", "My", "Your", "What", "Who", "Why",
              "How", "Where", "Which", "Yes", "No", "Also", "Then", "There", "Here", "Each", "Every", "All"}


# "how do I see how big my cache is?" asks for a way, "when does it make sense to …?" for a
# condition: a "how many" or "when" inside such a question is not the kind of answer it wants
_WAY = re.compile(r"^\W*(how (do|does|did|can|could|should|would|will|to|is|are)\b|(what is|what's|whats) the "
                  r"(best |easiest |simplest |right )?way\b|is there (a|any) way\b|when (does|would|will) it make sense"
                  r"|when (is|would) it (better|best|worth|wise|safe|appropriate)\b)", re.I)


def expected(question: str) -> str | None:
    if _WAY.search(question):
        return None
    for name, pattern in _TYPES:
        if pattern.search(question):
            return name
    return None


# "what is X?", "what's an X", "wat r Xs": asks what X is, X named in at most DEFINED_WORDS words
_DEFINE = re.compile(r"^\W*(?:(?:what|wat)\s+(?:is|are|r)|whats|what['’]s|wats)\s+(?:an?\s+|the\s+)?(?P<x>[^?]+?)[\s?.!]*$",
                     re.I)
DEFINED_WORDS = 4


def defined(question: str) -> str | None:
    """What a question asking for a definition asks about ("what is a split-priced round?" ->
    "split-priced round"), or None: a longer question ("what is npm prefix set to if …") asks
    something else about it."""
    m = _DEFINE.match(question)
    x = m.group("x").strip() if m else ""
    return x if x and len(_WORDS.findall(x)) <= DEFINED_WORDS else None


def definition(thing: str) -> re.Pattern | None:
    """A pattern finding a sentence that says what `thing` is: one that opens with it (after an
    article, markup, or a qualifier that is an acronym or holds a digit: "AI inference") and goes
    on "is a/an/the …", "are …", "means …", "refers to …", "stands for …" ("A lockfile records …"
    is not one: it says what it does; "Aborting the rebase is …" only mentions it), or one that
    names it after an article and defines it in apposition ("… this is a split-priced round, a
    tactic …"). Its words
    are matched in order, apart by spaces or hyphens ("split priced round" finds "split-priced
    round"), a lower-case last word singular or plural; punctuation inside a word counts
    ("C++", "Node.js")."""
    words = [w.strip("\"'`“”‘’()[]{}<>,;:!?") for w in re.split(r"[\s-]+", thing)]
    words = [w for w in words if w]
    if not words:
        return None
    last = words[-1]
    if last.isalpha() and last.islower() and len(last) > 3 and last.endswith("s") and not last.endswith(("ss", "us", "is")):
        last = last[:-1]
    plural = r"(?:e?s)?" if last.isalpha() else ""
    name = (r"(?<![\w-])" + r"[\s-]+".join([*map(re.escape, words[:-1]), re.escape(last) + plural])
            + r"(?:['’]s?)?(?![\w+#-])")
    # a qualifier naming a kind of it may come first: an acronym or a word with a digit ("AI inference")
    opens = (r"^\W{0,4}(?:(?:a|an|the)\s+)?(?:(?-i:[A-Z][A-Z0-9/.+-]+)\s+|[\w/.+-]*\d[\w/.+-]*\s+)?" + name
             + r"\W{0,3}\s*(?:\([^)]{0,80}\)\s*)?"
             r"(?:(?:is|are|was)\s+(?:a|an|the|one)\b|means\b|refers\s+to\b|stands\s+for\b|is\s+short\s+for\b)")
    apposition = r"\b(?:a|an|the|this|that)\s+" + name + r"\W{0,2},\s*(?:which\s+is\s+)?(?:a|an)\s"
    return re.compile(f"{opens}|{apposition}", re.I)


def fits(kind: str | None, span: str, question: str) -> bool:
    """Whether span holds something of the kind asked for that the question does not already say."""
    if kind is None:
        return True
    if kind == "quantity":
        return bool(_NUMBER.search(_YEAR.sub(" ", span)))
    if kind == "time":
        return bool(_TIME.search(span))
    # words, not substrings ("Al" is not in "also"); a compound's parts count too ("Acme-branded", "Acme.com")
    asked = {_word(p) for w in _WORDS.findall(question) for p in (w, *re.split(r"[-.&]", w))}
    # a name is a capitalised word, in any alphabet ("Émile", "Łukasz"), that the question does not give
    return any(w[:1].isupper() and w not in _NOT_NAMES and _word(w) not in asked
               for w in (t.strip("’'.-&") for t in _WORDS.findall(span)))


def _word(w: str) -> str:
    """A word as compared: lower case, one kind of apostrophe, without quotes or a possessive around
    it ("'Acme'" -> "acme", "Acme’s." -> "acme", "Smiths’" -> "smiths")."""
    w = w.lower().replace("’", "'").strip("'.-&")
    return re.sub(r"'s?$", "", w).rstrip(".")
