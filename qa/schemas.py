"""The contract shared by `qa ask --json` and the HTTP API."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, field_validator
from pydantic_core import PydanticCustomError

from qa.config import MAX_QUESTION_CHARS

MAX_ANSWER_CHARS = 2000  # of an answer sent back (history, feedback), what is kept: its first characters
MAX_HISTORY_TURNS = 8  # enough for a follow-up; keeps a full body far below QA_MAX_BODY_BYTES
MAX_COMMENT_CHARS = 1000
MAX_DOCUMENT_ID_CHARS = 4096  # a document id is a path below the corpus folder
INVISIBLE = {"Cc", "Cf", "Cs", "Zs", "Zl", "Zp"}  # Unicode categories that show nothing on their own (comments)
# Text must have a character other than white space and controls (qa.engine.clean_question drops those).
VISIBLE = r"[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
# The same, not counting the common invisible format characters either (zero-width space and
# joiners, bidi controls, word joiner, BOM, soft hyphen); has_visible checks every one (Unicode Cf).
INVISIBLE_FORMAT = r"\xad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
VISIBLE_TEXT = VISIBLE[:-1] + INVISIBLE_FORMAT + "]"


class Citation(BaseModel):
    id: str = Field(description="passage id: document id, '#', then p<N> or the FAQ question's slug")
    source: str = Field(description="document path, relative to the working directory when below it")
    section: str = Field(description="heading path of the passage, 'A > B'")
    text: str = Field(description="the passage, verbatim: source_text[start:end]")
    start: int = Field(ge=0, description="character offset of the passage in the document text")
    end: int = Field(ge=0)
    score: float = Field(ge=0, le=1, description="calibrated probability that this passage answers")


class AskResponse(BaseModel):
    question: str
    answered: bool
    answer: str = Field(description="verbatim substring of citations[0].text when answered")
    confidence: float = Field(ge=0, le=1, description="calibrated probability that the answer is right")
    citations: list[Citation]
    suggestions: list[str] = Field(description="close FAQ questions, offered when not answered")


def _first_chars(value: str) -> str:
    """An answer sent back is kept to its first MAX_ANSWER_CHARS characters: an answer that holds a
    code block can be longer than that, and the API takes back whatever it gave. Half a character
    (a lone surrogate escape) is no text, as in every other field."""
    if _SURROGATE.search(value):
        raise PydanticCustomError("string_unicode",
                                  "Input should be a valid string, unable to parse raw data as a unicode string")
    return value[:MAX_ANSWER_CHARS]


_SURROGATE = re.compile("[\ud800-\udfff]")


AnswerText = Annotated[str, AfterValidator(_first_chars)]


class Turn(BaseModel):
    """An earlier turn of the conversation: what was asked and what the bot answered."""

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    answer: AnswerText = Field(default="", description="the answer given (its `answer` field, as it came or a "
                                                        f"prefix of it; only its first {MAX_ANSWER_CHARS} characters are read)")


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    top_k: int | None = Field(default=None, ge=1, le=10)
    documents: list[Annotated[str, Field(min_length=1, max_length=MAX_DOCUMENT_ID_CHARS)]] = Field(
        default_factory=list, max_length=100,
        description="answer from these documents only (ids as GET /api/documents lists them, or a "
                    "citation's id before '#')")
    history: list[Turn] = Field(
        default_factory=list, max_length=MAX_HISTORY_TURNS,
        description="earlier turns, oldest first: a follow-up (\"and the Series D?\") is read in their context; "
                    "a standalone question is answered exactly as without them")


class FeedbackRequest(BaseModel):
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, pattern=VISIBLE_TEXT,
                          description="the question as asked: some visible text")
    answer: AnswerText = Field(min_length=1, pattern=VISIBLE_TEXT,
                               description="the answer that is voted on: some visible text; its first "
                                           f"{MAX_ANSWER_CHARS} characters are stored")
    vote: Literal["up", "down"]
    comment: str | None = Field(default=None, max_length=MAX_COMMENT_CHARS,
                                description="optional: what was wrong; white space is folded, and a comment "
                                            "with nothing visible is stored as none")

    @field_validator("question", "answer")
    @classmethod
    def visible(cls, value: str) -> str:
        if not has_visible(value):
            raise PydanticCustomError("no_visible_text", "has no visible characters")
        return value

    @field_validator("comment")
    @classmethod
    def tidy_comment(cls, value: str | None) -> str | None:
        """White space folded, control characters dropped; nothing visible (spaces, U+200B and other
        format characters only): no comment."""
        if value is None:
            return None
        value = " ".join("".join(c for c in value if unicodedata.category(c) != "Cc" or c.isspace()).split())
        return value if has_visible(value) else None


def has_visible(text: str) -> bool:
    """Whether text has a character that shows: not white space, a control or a format character."""
    return any(unicodedata.category(c) not in INVISIBLE for c in text)


class FeedbackCreated(BaseModel):
    id: int = Field(description="the stored feedback's id")


class NearestEntry(BaseModel):
    """The FAQ entry (or, in a corpus without FAQ entries, the passage) closest to a question."""

    id: str = Field(description="passage id: a key for the alternates file")
    question: str = Field(description="the FAQ question; empty for a passage that is not an FAQ answer")
    section: str
    similarity: float = Field(description="cosine similarity of the question to the entry's question (or passage)")


class ReportItem(BaseModel):
    question: str = Field(description="the most recent wording of the question")
    count: int = Field(description="times asked unanswered, or down votes")
    last: str | None = Field(default=None, description="when it was last asked (UTC, ISO 8601)")
    comments: list[str] = Field(default_factory=list, description="down-vote comments, newest first")
    answer: str | None = Field(default=None, description="down votes: the answer voted down (the latest)")
    nearest: NearestEntry | None
    alternates: str = Field(description="a ready-to-paste alternates.yaml entry adding the question to `nearest`; "
                                        "a comment only when that would not help (the entry gave the voted-down answer)")


class ReportCounts(BaseModel):
    queries: int
    answered: int
    unanswered: int
    feedback: int
    up: int
    down: int


class Report(BaseModel):
    generated_at: str = Field(description="UTC, ISO 8601")
    counts: ReportCounts
    unanswered: list[ReportItem] = Field(description="most frequent unanswered questions first")
    downvoted: list[ReportItem] = Field(description="most down-voted questions first")
    alternates: str = Field(default="", description="every item's alternates entry as one alternates.yaml block, "
                                                    "each entry once with all its new phrasings (far ones left out)")


class Problem(BaseModel):
    detail: str = Field(description="what went wrong and what to send instead")
