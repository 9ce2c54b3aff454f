"""The contract shared by `qa ask --json` and the HTTP API."""

from __future__ import annotations

from pydantic import BaseModel, Field

from qa.config import MAX_QUESTION_CHARS


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


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    top_k: int | None = Field(default=None, ge=1, le=10)
