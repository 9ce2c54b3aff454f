"""Feedback, the query log and the curation report over HTTP: an APIRouter for qa.api to include.

    POST /api/feedback  {"question", "answer", "vote": "up"|"down", "comment"?} -> 201 {"id"}
    GET  /api/report    the curation report (qa.report) as JSON; needs Authorization: Bearer <QA_REPORT_TOKEN>;
                        404 when no token is configured, 401 without a bearer token, 403 with a wrong one

What the app provides, on app.state (set in qa.api.create_app / its lifespan):
    engine        the qa.engine.Engine (already there)
    store         a qa.store.Store, or None when there is none (then both routes answer 404)
    report_token  the QA_REPORT_TOKEN value; "" or absent: GET /api/report is 404

`log_ask(store, request, response, latency_ms)` writes one asked question to the query log
(question as the response echoes it, answered, confidence, cited ids, latency; never an IP or
anything else about the asker). It never raises: a log that cannot be written costs a warning,
not the answer. Call it after each ask when QA_LOG_QUERIES is on (best as a background task, so
the fsync happens after the response is sent).
"""

from __future__ import annotations

import hmac
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from qa import report as curation
from qa.errors import QAError
from qa.middleware import JSONRoute, shown
from qa.schemas import AskRequest, AskResponse, FeedbackCreated, FeedbackRequest, Problem, Report

log = logging.getLogger("qa")
router = APIRouter(prefix="/api", tags=["feedback"], route_class=JSONRoute)  # JSON bodies checked as for /api/ask
bearer = HTTPBearer(auto_error=False, description="QA_REPORT_TOKEN")

NO_STORE = "Feedback and the query log are not enabled on this server (no data folder)."


def problem(description: str) -> dict:
    return {"model": Problem, "description": description}


def store_of(request: Request):
    store = getattr(request.app.state, "store", None)
    if store is None:
        raise HTTPException(404, NO_STORE)
    return store


async def get_engine(request: Request):
    """async: a plain attribute read need not cost a hop to the thread pool (a sync dependency
    does). The one engine dependency of every route, here and in qa.api."""
    return request.app.state.engine


async def get_store(request: Request):  # async: no thread-pool hop for an attribute read
    return store_of(request)


StoreDep = Annotated[object, Depends(get_store)]
EngineDep = Annotated[object, Depends(get_engine)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


TOO_LARGE = problem("The request body is larger than the limit (QA_MAX_BODY_BYTES).")


@router.post("/feedback", status_code=201, response_model=FeedbackCreated, responses={
    400: problem("The body is not UTF-8, or nested too deeply."),
    413: TOO_LARGE,
    415: problem("The body is not sent as application/json."),
    422: problem("The body does not match the schema: question 1 to 500 characters and an answer (its first 2000 kept), "
                 "each with visible text; vote 'up' or 'down'; comment up to 1000."),
    404: problem(NO_STORE), 503: problem("The store cannot be written just now; try again later.")})
def feedback(body: FeedbackRequest, store: StoreDep) -> FeedbackCreated:
    """A thumbs up or down on an answer, with an optional comment. Nothing about the voter is stored."""
    try:  # the comment comes folded, or None when it has nothing visible (FeedbackRequest)
        return FeedbackCreated(id=store.add_feedback(body.question, body.answer, body.vote, body.comment))
    except QAError as e:  # the store's message names server paths: logged, not sent
        log.error("qa: feedback not stored: %s", e)
        raise HTTPException(503, "The feedback could not be stored just now; try again later.") from None


def check_token(request: Request, credentials: HTTPAuthorizationCredentials | None) -> None:
    token = getattr(request.app.state, "report_token", "") or ""
    if hasattr(token, "get_secret_value"):
        token = token.get_secret_value()
    if not token:  # not configured: the report does not exist
        raise HTTPException(404, "No API route /api/report; set QA_REPORT_TOKEN to enable it.")
    if credentials is None:  # as POST /api/reload: 401 without a bearer token, 403 with a wrong one
        raise HTTPException(401, "Send the report token: Authorization: Bearer <QA_REPORT_TOKEN>.",
                            headers={"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(credentials.credentials.encode(), token.encode()):
        raise HTTPException(403, "Wrong report token.")


@router.get("/report", response_model=Report, responses={
    401: problem("No bearer token (Authorization: Bearer <QA_REPORT_TOKEN>)."),
    403: problem("Wrong report token."),
    404: problem("No report token is configured (QA_REPORT_TOKEN), or no store: the report is off."),
    413: TOO_LARGE,
    422: problem("limit must be a whole number from 1 to 100; no other query parameter is known.")})
def report(request: Request, credentials: Credentials, engine: EngineDep,
           limit: Annotated[int, Query(ge=1, le=100, description="questions per list")] = curation.DEFAULT_LIMIT) -> Report:
    """The most frequent unanswered and down-voted questions, each with its nearest FAQ entry and an
    alternates.yaml entry to paste."""
    check_token(request, credentials)  # before anything else: a wrong token learns nothing
    unknown = sorted(set(request.query_params) - {"limit"})
    if unknown:
        raise HTTPException(422, f"Unknown query parameter '{shown(unknown[0])}'; only 'limit' is known.")
    store = store_of(request)  # after the token check: a wrong token learns nothing, not even "no store"
    return curation.build(store, engine, limit=limit)


def log_ask(store, request: AskRequest | None, response: AskResponse, latency_ms: float) -> None:
    """Write one asked question to the query log; a failure is a warning, never the caller's error."""
    if store is None:
        return
    try:
        store.log_query(response.question, response.answered, response.confidence,
                        [c.id for c in response.citations], round(float(latency_ms), 2))
    except (QAError, OSError) as e:
        log.warning("qa: the query log was not written: %s", e)
