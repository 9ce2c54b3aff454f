"""What stands between the network and the routes (qa.api).

- `Guard` (pure ASGI, outermost): the security headers on every response, static files and errors
  included; a cap on the request body, checked on Content-Length before anything is read and on
  the bytes as they stream in; any unexpected exception becomes a bare 500 {"detail": "internal
  error"}, logged here with its traceback and never sent to the client; HEAD answered as GET
  without the body.
- `JSONRoute`: routes taking a JSON body check it before FastAPI parses it, so each problem gets
  its own 4xx and a sentence saying what to fix: the content type (415), UTF-8 (400), nesting (400).
- `readable`: pydantic's validation errors as one sentence (422 keeps a JSON `detail`, a string),
  ending with what to send to that route (`send_hint`).
- `JSONCORSMiddleware`: Starlette's CORS, a refused preflight as JSON too.
- `tidy_openapi`: the schema documents those `detail` strings, not FastAPI's own 422 error list.
- `IndexWatcher`: a thread that has the engine switch builds when `qa index` names a new one.
"""

from __future__ import annotations

import email.message
import logging
import os
import re
import threading
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qa.config import MAX_QUESTION_CHARS
from qa.schemas import MAX_ANSWER_CHARS, MAX_COMMENT_CHARS, MAX_HISTORY_TURNS

if TYPE_CHECKING:
    from qa.engine import Engine

log = logging.getLogger("qa")

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
MAX_JSON_DEPTH = 32  # an ask body is one level deep
EXAMPLE = '{"question": "what is inference?", "top_k": 3}'
SEND = (f"Send a JSON object like {EXAMPLE} (question: 1 to {MAX_QUESTION_CHARS} characters; "
        "top_k: 1 to 10, optional).")
FEEDBACK_EXAMPLE = '{"question": "what is inference?", "answer": "AI inference is …", "vote": "down", "comment": "too vague"}'
# What to send, by route; the hint ending a 4xx about a request body.
SEND_BY_ROUTE = {
    "/api/ask": SEND,
    "/api/feedback": f"Send a JSON object like {FEEDBACK_EXAMPLE} (question: 1 to {MAX_QUESTION_CHARS} characters; "
                     f"answer: some text, of which the first {MAX_ANSWER_CHARS} characters are stored; "
                     "vote: \"up\" or \"down\"; comment: up to "
                     f"{MAX_COMMENT_CHARS} characters, optional).",
    "/api/report": "Send limit as a whole number from 1 to 100, like /api/report?limit=20.",
}
# By route and top-level field: a hint for a field whose shape the route's example does not show.
SEND_BY_FIELD = {
    ("/api/ask", "history"): f'Send history as a list of up to {MAX_HISTORY_TURNS} earlier turns, oldest first, like '
                             '[{"question": "who leads the round?", "answer": "Spark Capital leads it."}] '
                             f"(question: 1 to {MAX_QUESTION_CHARS} characters; answer: as given, of which the "
                             f"first {MAX_ANSWER_CHARS} are read).",
    ("/api/ask", "documents"): 'Send documents as a list of up to 100 document ids, like ["faq.md"]; '
                               "GET /api/documents lists them.",
}
SEND_OTHER = "See /docs for what this route takes."


def send_hint(path: str, field: str | None = None) -> str:
    """The sentence ending a 4xx about a request body to `path` (about `field`, when one is named)."""
    return SEND_BY_FIELD.get((path, field)) or SEND_BY_ROUTE.get(path, SEND_OTHER)


def shown(text: str, limit: int = 100) -> str:
    """Client-sent text to repeat in a message: cut to `limit` characters, lone surrogates (which
    cannot be encoded as UTF-8) written as escapes."""
    cut = text if len(text) <= limit else text[:limit] + "…"
    return cut.encode("utf-8", "backslashreplace").decode("utf-8")


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int, path: str = ""):
        super().__init__(413, f"The request body is larger than {limit} bytes, the limit. {send_hint(path)}",
                         headers={"Connection": "close"})


class Guard:
    def __init__(self, app: ASGIApp, max_body_bytes: int):
        self.app, self.limit = app, max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False
        received = 0
        head = scope["method"] == "HEAD"
        if head:  # answered as GET (same status and headers), without the body
            scope = {**scope, "method": "GET"}

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message).update(SECURITY_HEADERS)
            elif head and message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {**message, "body": b""}
            await send(message)

        async def capped_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit, scope.get("path", ""))
            return message

        length = Headers(scope=scope).get("content-length")
        if length is not None:  # refused before a byte of the body is read
            number = length.isascii() and length.isdigit()
            if not number or int(length) > self.limit:
                error = (BodyTooLarge(self.limit, scope.get("path", "")) if number
                         else HTTPException(400, "Content-Length is not a number."))
                return await problem(error)(scope, receive, send_with_headers)
        try:
            await self.app(scope, capped_receive, send_with_headers)
        except BodyTooLarge as e:  # read outside a route (a route turns it into a response itself)
            if started:
                raise
            await problem(e)(scope, receive, send_with_headers)
        except Exception:
            if started:
                raise  # too late for a response: the server closes the connection
            log.exception("internal error on %s %s", scope.get("method"), scope.get("path"))
            await JSONResponse({"detail": "internal error"}, 500)(scope, receive, send_with_headers)


class JSONCORSMiddleware(CORSMiddleware):
    """Starlette's CORS middleware, with a refused preflight as JSON {"detail": ...} like every other 4xx."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        failures = response.body.decode().removeprefix("Disallowed CORS ").split(", ")
        reasons = {
            "origin": f"the origin '{shown(request_headers.get('origin', ''))}' is not allowed (QA_CORS_ORIGINS)",
            "method": f"the method '{shown(request_headers.get('access-control-request-method', ''))}' is not "
                      f"allowed (use {', '.join(m for m in self.allow_methods if m != 'OPTIONS')})",
            "headers": "only the headers Content-Type and Authorization may be sent",
            "private-network": "private network access is not allowed",
        }
        detail = "CORS preflight refused: " + "; ".join(reasons.get(f, f) for f in failures) + "."
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-type", "content-length")}
        return JSONResponse({"detail": detail}, response.status_code, headers=headers)


def problem(error: HTTPException) -> JSONResponse:
    return JSONResponse({"detail": error.detail}, error.status_code, headers=error.headers)


class JSONRoute(APIRoute):
    """A route whose JSON body is checked before FastAPI parses it (other routes are left as they are)."""

    def get_route_handler(self):
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def checked(request: Request):
            check_json_body(request.headers.get("content-type"), await request.body(), self.path)
            return await handler(request)  # reads the body the check cached

        return checked


def check_json_body(content_type: str | None, body: bytes, path: str = "/api/ask") -> None:
    if not is_json(content_type):
        got = f"'{content_type[:80]}'" if content_type else "none"
        raise HTTPException(415, f"Send the body as JSON, with the header Content-Type: application/json "
                                 f"(Content-Type was {got}).")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise HTTPException(400, f"The body is not UTF-8 text (byte 0x{body[e.start]:02x} at position {e.start}). "
                                 "Send JSON encoded as UTF-8.") from None
    if json_depth(text) > MAX_JSON_DEPTH:
        raise HTTPException(400, f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep. {send_hint(path)}")


def is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


_ESCAPE = re.compile(r"\\.", re.S)
_STRING = re.compile(r'"[^"]*(?:"|\Z)')  # once escapes are gone: a string runs to the next quote, or the end
_BRACKETS = re.compile(r"[\[\]{}]")


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in this JSON text (strings skipped), without parsing it.
    In time proportional to the text: escapes go first, so that no pattern backtracks over a run of
    them (a body of 32,000 escaped quotes took 7.7 s with one pattern for strings and escapes)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRING.sub("", _ESCAPE.sub("", text))):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def readable(errors: list[dict], path: str = "/api/ask") -> str:
    """pydantic's errors for a request body to `path` as one sentence: what is wrong and what to send."""
    parts, fields = [], []
    for e in errors:
        kind, where = e.get("type"), [str(x) for x in e.get("loc", ()) if x != "body"]
        if kind == "json_invalid":
            return f"The body is not valid JSON ({e.get('ctx', {}).get('error', 'syntax error')} at character " \
                   f"{where[-1] if where else 0}). {send_hint(path)}"
        if not where:
            return (f"The request has no body. {send_hint(path)}" if kind == "missing"
                    else f"The body is not a JSON object. {send_hint(path)}")
        if kind == "string_pattern_mismatch":
            message = "has no visible characters"
        elif kind == "string_unicode":
            message = "is not valid Unicode text" + surrogate_at(e.get("input"))
        else:
            message = e.get("msg", "is not valid")
        parts.append(f"{'.'.join(where)}: {message}")
        fields.append(where[0])
    field = fields[0] if len(set(fields)) == 1 else None
    return "; ".join(parts) + f". {send_hint(path, field)}"


def surrogate_at(value) -> str:
    """Where a string holds a lone surrogate (a \\ud800-\\udfff escape without its pair), as ' (...)'."""
    if not isinstance(value, str):
        return ""
    at = next((i for i, c in enumerate(value) if "\ud800" <= c <= "\udfff"), None)
    if at is None:
        return ""
    return f" (a lone surrogate, \\u{ord(value[at]):04x}, at position {at}; send text as UTF-8 or as paired \\u escapes)"


def tidy_openapi(app: FastAPI) -> None:
    """FastAPI documents a 422 with its own error list on every route with parameters; ours are
    {"detail": str} and declared where they can happen, so drop the others."""
    generate = app.openapi

    def openapi() -> dict:
        schema = generate()
        for operations in schema["paths"].values():
            for op in operations.values():
                if "HTTPValidationError" in str(op.get("responses", {}).get("422")):
                    del op["responses"]["422"]
        for name in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(name, None)
        return schema

    app.openapi = openapi


class IndexWatcher:
    """Looks at the index folder's CURRENT file (one stat) every `interval` seconds and, when it
    changed, has the engine switch to the build it names (Engine.reload: atomic, requests in flight
    finish on the build they started with)."""

    def __init__(self, engine: Engine, interval: float):
        self.engine, self.interval = engine, interval
        self.current = engine.settings.index / "CURRENT"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="qa-index-watcher", daemon=True)

    def start(self) -> IndexWatcher:
        if self.interval > 0:
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _stamp(self) -> tuple | None:
        try:
            st = os.stat(self.current)
        except OSError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size

    def _run(self) -> None:
        seen, failures = None, 0  # None: look once at start, in case a build landed during warm-up
        while not self._stop.wait(self.interval):
            stamp = self._stamp()
            if stamp == seen:
                continue
            seen = stamp
            try:
                self.engine.reload()  # logs and keeps the build in use if the new one cannot be loaded
                failures = 0
            except Exception:
                log.exception("qa: index reload failed; still serving the build in use")
                failures += 1
                if failures < 3:
                    seen = None  # try again on the next tick
