"""Hard to break: every kind of bad input is a 4xx with a JSON `detail` that says what to fix, odd
but valid text is answered, no path escapes the corpus or web/, every response carries the
security headers, CORS is closed unless configured, the reload route needs its token, and an
unexpected exception is a bare 500. On the default corpus with the real engine (conftest.py)."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import time
from urllib.parse import unquote

import pytest
from conftest import free_port
from fastapi.testclient import TestClient
from pydantic import SecretStr

from qa.api import SECURITY_HEADERS, create_app
from qa.config import MAX_BODY_BYTES, MAX_QUESTION_CHARS, PROJECT_DIR

pytestmark = pytest.mark.model
JSON = {"content-type": "application/json"}
LOCAL_PATHS = (str(PROJECT_DIR), "/work/", "/home/", "/tmp/", "site-packages", "Traceback", 'File "')


def settings_of(engine, **changes):
    return engine.settings.model_copy(update={"watch_interval": 0, **changes})


@pytest.fixture(scope="module")
def client(engine):
    with TestClient(create_app(settings_of(engine), engine)) as c:
        yield c


def assert_problem(r, status: int, *words: str) -> None:
    """A 4xx (or 500) JSON {"detail": "..."}: readable, naming what to fix, no traces or local paths."""
    assert r.status_code == status, (r.status_code, r.text[:300])
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert set(body) == {"detail"} and isinstance(body["detail"], str) and body["detail"], body
    for word in words:
        assert word in body["detail"], (word, body["detail"])
    for local in LOCAL_PATHS:
        assert local not in r.text, (local, r.text[:300])
    for name, value in SECURITY_HEADERS.items():
        assert r.headers.get(name) == value, name


def nested(depth: int, inside: str = "") -> str:
    return "[" * depth + inside + "]" * depth


SEND = "Send a JSON object like"
# id -> (body bytes, content type or None, expected status, words the detail must contain)
BAD_INPUT = {
    "body over the cap (Content-Length)": (json.dumps({"question": "x" * MAX_BODY_BYTES}).encode(), "application/json",
                                           413, [f"larger than {MAX_BODY_BYTES} bytes"]),
    "text/plain": (b'{"question": "hi"}', "text/plain", 415, ["application/json", "'text/plain'"]),
    "form encoded (curl -d without -H)": (b"question=hi", "application/x-www-form-urlencoded", 415, ["application/json"]),
    "no content type": (b'{"question": "hi"}', None, 415, ["application/json", "none"]),
    "multipart": (b"--x\r\n\r\nhi\r\n--x--", "multipart/form-data; boundary=x", 415, ["application/json"]),
    "not UTF-8 (latin-1 byte)": ('{"question": "café"}'.encode("latin-1"), "application/json", 400,
                                 ["not UTF-8", "0xe9"]),
    "not UTF-8 (UTF-16 with BOM)": ('{"question": "hi"}'.encode("utf-16"), "application/json", 400, ["UTF-8"]),
    "invalid JSON": (b'{"question": ', "application/json", 422, ["not valid JSON", SEND]),
    "trailing garbage": (b'{"question": "hi"} x', "application/json", 422, ["not valid JSON"]),
    "NaN top_k": (b'{"question": "hi", "top_k": NaN}', "application/json", 422, ["top_k"]),
    "huge number top_k": (b'{"question": "hi", "top_k": 1e400}', "application/json", 422, ["top_k"]),
    "deep array over the cap": (nested(MAX_BODY_BYTES // 2 + 1).encode(), "application/json", 413, ["larger than"]),
    "deep array under the cap": (nested(MAX_BODY_BYTES // 2 - 100).encode(), "application/json", 400,
                                 ["nested more than 32"]),
    "deep object": (('{"a":' * 2000 + "1" + "}" * 2000).encode(), "application/json", 400, ["nested"]),
    "deep array as the question": (('{"question": ' + nested(5000) + "}").encode(), "application/json", 400, ["nested"]),
    # an unterminated string of escaped quotes: the nesting check once took 7.7 s over it, holding the event loop
    "escaped quotes": (('"' + '\\"' * 32000).encode(), "application/json", 422, ["not valid JSON"]),
    "empty body": (b"", "application/json", 422, ["no body", SEND]),
    "null body": (b"null", "application/json", 422, ["not a JSON object", SEND]),
    "array body": (b'["what", "is", "inference"]', "application/json", 422, ["not a JSON object"]),
    "string body": (b'"what is inference?"', "application/json", 422, ["not a JSON object"]),
    "no question": (b'{"top_k": 3}', "application/json", 422, ["question: Field required"]),
    "question null": (b'{"question": null}', "application/json", 422, ["question: Input should be a valid string"]),
    "question a number": (b'{"question": 42}', "application/json", 422, ["question: Input should be a valid string"]),
    "question a list": (b'{"question": ["hi"]}', "application/json", 422, ["question:"]),
    "question an object": (b'{"question": {"q": "hi"}}', "application/json", 422, ["question:"]),
    "question empty": (b'{"question": ""}', "application/json", 422, ["question:", "at least 1 character"]),
    "question blank": (b'{"question": " \\t\\n\\u3000 "}', "application/json", 422, ["no visible characters"]),
    "question only control characters": (b'{"question": "\\u0000\\u0007\\u001b"}', "application/json", 422,
                                         ["no visible characters"]),
    "question only a zero-width space": (b'{"question": "\\u200b"}', "application/json", 422,
                                         ["no visible characters"]),
    "question only a BOM and joiners": (b'{"question": "\\ufeff\\u200c\\u200d\\u2060"}', "application/json", 422,
                                        ["no visible characters"]),
    "question too long": (json.dumps({"question": "x" * (MAX_QUESTION_CHARS + 1)}).encode(), "application/json", 422,
                          [f"at most {MAX_QUESTION_CHARS} characters"]),
    "question with a lone surrogate": (b'{"question": "hi \\ud800"}', "application/json", 422,
                                       ["question: ", "lone surrogate, \\ud800, at position 3", SEND]),
    "question with another lone surrogate": (b'{"question": "\\udc12 hi"}', "application/json", 422,
                                             ["lone surrogate, \\udc12, at position 0"]),
    "documents item with a lone surrogate": (b'{"question": "who leads", "documents": ["\\ud800"]}', "application/json",
                                             422, ["documents.0: ", "lone surrogate, \\ud800", "Send documents as a list"]),
    "documents item with a lone surrogate, later": (b'{"question": "who leads", "documents": ["a.md", "x\\udfff"]}',
                                                    "application/json", 422, ["documents.1: ", "\\udfff, at position 1"]),
    "documents item empty": (b'{"question": "hi", "documents": [""]}', "application/json", 422,
                             ["documents.0: ", "at least 1 character"]),
    "documents item too long": (json.dumps({"question": "hi", "documents": ["a" * 60_000]}).encode(), "application/json",
                                422, ["documents.0: ", "at most 4096 characters"]),
    "documents item a number": (b'{"question": "hi", "documents": [1]}', "application/json", 422, ["documents.0: "]),
    "documents not a list": (b'{"question": "hi", "documents": "a.md"}', "application/json", 422,
                             ["documents: ", 'like ["faq.md"]']),
    "history turn with a lone surrogate": (b'{"question": "and then?", "history": [{"question": "\\ud800"}]}',
                                           "application/json", 422, ["history.0.question: ", "lone surrogate",
                                                                     "Send history as a list"]),
    "history answer with a lone surrogate": (b'{"question": "and then?", "history": [{"question": "q", "answer": "\\ud800"}]}',
                                             "application/json", 422, ["history.0.answer: ", "lone surrogate"]),
    "history not a list": (b'{"question": "and then?", "history": {"question": "q"}}', "application/json", 422,
                           ["history: ", '[{"question": "who leads the round?", "answer":']),
    "top_k zero": (b'{"question": "hi", "top_k": 0}', "application/json", 422, ["top_k:", "greater than or equal to 1"]),
    "top_k eleven": (b'{"question": "hi", "top_k": 11}', "application/json", 422, ["top_k:", "less than or equal to 10"]),
    "top_k negative": (b'{"question": "hi", "top_k": -1}', "application/json", 422, ["top_k:"]),
    "top_k a string": (b'{"question": "hi", "top_k": "3"}', "application/json", 422, ["top_k: Input should be a valid integer"]),
    "top_k true": (b'{"question": "hi", "top_k": true}', "application/json", 422, ["top_k: Input should be a valid integer"]),
    "top_k fractional": (b'{"question": "hi", "top_k": 1.5}', "application/json", 422, ["top_k:", "fractional"]),
    "top_k huge": (b'{"question": "hi", "top_k": 100000000000000000000000}', "application/json", 422, ["top_k:"]),
}


@pytest.mark.parametrize("text, depth", [
    ('{"a": [1, {"b": "x]]\\"[["}]}', 3),  # brackets inside strings, an escaped quote among them
    ('[[["\\\\"]]]', 3),  # an escaped backslash ends no string
    ('"' + '\\"' * 1000 + '[[', 0),  # an unterminated string holds the rest
    ('"a" [ "b" { ', 2),
])
def test_json_depth_skips_strings_and_their_escapes(text, depth):
    from qa.middleware import json_depth

    assert json_depth(text) == depth


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_a_4xx_saying_what_to_fix(client, case):
    body, content_type, status, words = BAD_INPUT[case]
    t0 = time.perf_counter()
    r = client.post("/api/ask", content=body, headers={"content-type": content_type} if content_type else {})
    assert time.perf_counter() - t0 < 2  # deep nesting included: nothing is slow
    assert_problem(r, status, *words)
    if "history" in case or "documents" in case:  # the hint shows that field, not the question's example
        assert SEND not in r.json()["detail"]
    if "surrogate" in case:
        assert "such as" not in r.json()["detail"]


FEEDBACK_SEND = 'Send a JSON object like {"question": "what is inference?", "answer":'
# body -> words the detail of the 4xx from POST /api/feedback must contain
BAD_FEEDBACK = {
    b'{"question": "   ", "answer": "a", "vote": "down"}': ["question: has no visible characters"],
    b'{"question": "q", "answer": " \\n ", "vote": "down"}': ["answer: has no visible characters"],
    b'{"question": "\\u200b\\u2060", "answer": "a", "vote": "down"}': ["question: has no visible characters"],
    b'{"question": "q \\ud800", "answer": "a", "vote": "up"}': ["question: ", "lone surrogate, \\ud800, at position 2"],
    b'{"question": "q", "answer": "a", "vote": "up", "comment": "\\udbff"}': ["comment: ", "\\udbff, at position 0"],
    b'{"question": "q", "answer": "a", "vote": "sideways"}': ["vote: "],
    b'{"question": "q", "answer": "a"}': ["vote: Field required"],
    b'{"question": ': ["not valid JSON"],
    b'[]': ["not a JSON object"],
    b'': ["no body"],
}


@pytest.mark.parametrize("body", list(BAD_FEEDBACK), ids=lambda b: b.decode()[:40])
def test_bad_feedback_is_a_422_showing_a_feedback_body(client, body):
    r = client.post("/api/feedback", content=body, headers=JSON)
    assert_problem(r, 422, *BAD_FEEDBACK[body], FEEDBACK_SEND, '"vote": "down"')
    assert SEND + " {\"question\": \"what is inference?\", \"top_k\"" not in r.json()["detail"]


def test_feedback_over_the_cap_or_nested_shows_a_feedback_body(client):
    r = client.post("/api/feedback", content=b'{"comment": "' + b"x" * MAX_BODY_BYTES + b'"}', headers=JSON)
    assert_problem(r, 413, "larger than", FEEDBACK_SEND)
    assert_problem(client.post("/api/feedback", content=nested(40).encode(), headers=JSON), 400, "nested",
                   FEEDBACK_SEND)


def test_unknown_document_is_a_short_404_naming_the_document_list(client):
    r = client.post("/api/ask", json={"question": "who leads?", "documents": ["a" * 4000]})
    assert_problem(r, 404, "'" + "a" * 100 + "…'", "GET /api/documents lists")
    assert len(r.json()["detail"]) < 300 and "/api/health" not in r.text
    r = client.post("/api/ask", json={"question": "who leads?", "documents": ["baseten-funding.md", "nope.md"]})
    assert_problem(r, 404, "No document 'nope.md' in the index")
    listed = {d["id"] for d in client.get("/api/documents").json()}
    assert "baseten-funding.md" in listed and "nope.md" not in listed  # the hint is true


# question -> the question as the answer echoes it (None: unchanged)
ODD_BUT_VALID = {
    "what\x00 is inference?": "what is inference?",  # null byte dropped
    "what is\x07 inference\x1b[31m?": "what is inference [31m?",  # control characters dropped
    "  who\tco-leads\nthe round?  ": "who co-leads the round?",  # white space folded
    "ما هو الاستدلال؟": None,  # right to left
    "מה זה inference?": None,  # mixed directions
    "\u202ewhat is inference?\u202c": "what is inference?",  # format characters (bidi overrides) dropped
    "\ufeffwhat is inference?": "what is inference?",  # a BOM dropped
    "what is inference? 🤖🚀": None,  # emoji
    "who co-leads 👩\u200d👩\u200d👧 the round?": None,  # zero-width joiner sequence
    "whát ís ínférence?": None,  # combining acute accents (NFD)
    "\u0301\u0301": None,  # combining marks alone: visible to the schema and the engine alike
    "日本語で推論とは何ですか？": None,  # Japanese
    "是谁领投的？": None,  # CJK
    "x" * MAX_QUESTION_CHARS: None,  # exactly at the limit
    "𝔴𝔥𝔞𝔱 𝔦𝔰 𝔦𝔫𝔣𝔢𝔯𝔢𝔫𝔠𝔢": None,  # astral plane
}


@pytest.mark.parametrize("question", list(ODD_BUT_VALID), ids=lambda q: repr(q)[:40])
def test_odd_but_valid_questions_are_answered_normally(client, question):
    r = client.post("/api/ask", json={"question": question, "top_k": 2})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["question"] == (ODD_BUT_VALID[question] or question)
    assert isinstance(body["answered"], bool) and body["answer"]
    assert all(0 <= c["score"] <= 1 for c in body["citations"]) and len(body["citations"]) <= 2


def test_accepted_json_content_types_and_extra_fields(client):
    for content_type in ("application/json; charset=utf-8", "application/json;charset=UTF-8", "application/ld+json"):
        r = client.post("/api/ask", content=b'{"question": "what is inference?"}', headers={"content-type": content_type})
        assert r.status_code == 200, (content_type, r.text)
    r = client.post("/api/ask", json={"question": "what is inference?", "top_k": 2.0, "unknown": [1, {"x": 2}]})
    assert r.status_code == 200 and len(r.json()["citations"]) == 2  # 2.0 is a JSON integer; extras are ignored


# ---------------------------------------------------------------------------------------------
# The body cap holds before the body is read: on Content-Length, and on streamed bytes


def call(app, method: str, raw_path: bytes, headers=(), receive=None, query: bytes = b"") -> tuple[int, dict, bytes]:
    """One request straight into the ASGI app, the way uvicorn passes it (path unquoted, nothing
    normalised: '..' and '//' arrive as sent)."""
    out: dict = {"body": b""}

    async def default_receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            out["status"], out["headers"] = message["status"], {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": unquote(raw_path.decode("latin-1")), "raw_path": raw_path, "root_path": "",
             "query_string": query, "headers": [(k.encode(), v.encode()) for k, v in headers],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": {}}
    asyncio.run(app(scope, receive or default_receive, send))
    return out["status"], out["headers"], out["body"]


def test_content_length_over_the_cap_is_refused_without_reading(client):
    async def receive():
        raise AssertionError("the body was read")

    status, headers, body = call(client.app, "POST", b"/api/ask", receive=receive,
                                 headers=[("content-type", "application/json"), ("content-length", str(10**9))])
    assert status == 413 and b"larger than" in body and headers["connection"] == "close"
    assert headers["x-content-type-options"] == "nosniff"
    status, _, body = call(client.app, "POST", b"/api/ask", receive=receive,
                           headers=[("content-type", "application/json"), ("content-length", "12x")])
    assert status == 400 and b"Content-Length" in body


def test_streamed_body_is_cut_off_at_the_cap(client):
    """Chunked transfer (no Content-Length): the bytes are counted as they arrive; reading stops
    one chunk past the cap, not at the end of an endless body."""
    chunks = 0

    async def endless():
        nonlocal chunks
        chunks += 1
        return {"type": "http.request", "body": b" " * 1024, "more_body": True}

    status, headers, body = call(client.app, "POST", b"/api/ask", receive=endless,
                                 headers=[("content-type", "application/json"), ("transfer-encoding", "chunked")])
    assert status == 413 and json.loads(body)["detail"].startswith(f"The request body is larger than {MAX_BODY_BYTES}")
    assert chunks == MAX_BODY_BYTES // 1024 + 1
    assert headers["content-security-policy"] == SECURITY_HEADERS["Content-Security-Policy"]


def test_streamed_body_through_the_client(client):
    def stream():
        for _ in range(MAX_BODY_BYTES // 1024 + 4):
            yield b" " * 1024

    r = client.post("/api/ask", content=stream(), headers=JSON)
    assert_problem(r, 413, "larger than")
    r = client.post("/api/ask", content=iter([b'{"question": ', b'"what is inference?"}']), headers=JSON)
    assert r.status_code == 200 and r.json()["answered"]


def test_body_cap_and_depth_limit_are_separate(engine):
    """With a cap of 1 MiB, a 100k-deep array reaches the nesting check: refused at once, no crash."""
    with TestClient(create_app(settings_of(engine, max_body_bytes=1 << 20), engine)) as c:
        t0 = time.perf_counter()
        r = c.post("/api/ask", content=nested(100_000).encode(), headers=JSON)
        assert time.perf_counter() - t0 < 2
        assert_problem(r, 400, "nested more than 32")
        assert_problem(c.post("/api/ask", content=b"x" * ((1 << 20) + 1), headers=JSON), 413, "1048576 bytes")


# ---------------------------------------------------------------------------------------------
# Routes, methods, paths


def test_unknown_api_routes_and_methods(client):
    assert_problem(client.get("/api/nope"), 404, "No API route /api/nope")
    r = client.post("/api/documents")
    assert_problem(r, 405, "use GET")
    assert r.headers["allow"] == "GET"
    r = client.get("/api/ask")
    assert_problem(r, 405, "use POST")
    assert r.headers["allow"] == "POST"
    r = client.delete("/api/health")
    assert_problem(r, 405, "use GET")
    assert r.headers["allow"] == "GET"
    assert client.put("/api/documents/baseten-funding.md").headers["allow"] == "GET"


ESCAPES = ["../pyproject.toml", "../../pyproject.toml", "%2e%2e/pyproject.toml", "%2e%2e%2fpyproject.toml",
           "..%2f..%2fpyproject.toml", "%252e%252e%252fpyproject.toml", "....//....//pyproject.toml",
           "/etc/passwd", "%2fetc%2fpasswd", "..%5c..%5cpyproject.toml", "..\\..\\pyproject.toml",
           "%00", "index.html%00.txt", "baseten-funding.md%00", "..%00/pyproject.toml",
           "../corpus/baseten-funding.md", "%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "~/.bashrc", "corpus/../../etc/passwd"]


@pytest.mark.parametrize("prefix", ["/", "/api/documents/", "/docs-assets/", "/docs-assets/../"])
@pytest.mark.parametrize("escape", ESCAPES)
def test_no_path_escapes_the_corpus_or_web(client, prefix, escape):
    status, headers, body = call(client.app, "GET", (prefix + escape).encode())
    assert status in (400, 404), (status, body[:200])
    text = body.decode("utf-8", "replace")
    assert "[build-system]" not in text and "root:" not in text and "<html" not in text.lower()
    assert json.loads(body)["detail"]
    for local in LOCAL_PATHS:
        assert local not in text
    assert headers["x-frame-options"] == "DENY"


def test_documents_show_their_own_source_only(client):
    body = client.get("/api/documents/baseten-funding.md").json()
    assert body["source"] == "corpus/baseten-funding.md"
    for local in LOCAL_PATHS:
        assert local not in json.dumps(body)
    assert_problem(client.get("/api/documents/" + "a" * 5000), 404, "a" * 100 + "…")  # the echo is short


def test_a_document_whose_name_holds_a_line_break_can_be_fetched_by_its_cited_id(fake_engine):
    engine = fake_engine({"new\nline.md": "# Notes\n\nSome text about things.\n", "a.md": "# A\n\nAlpha.\n"})
    with TestClient(create_app(settings_of(engine), engine)) as c:
        cited = next(p.id for p in engine.index.passages if p.id.startswith("new\n"))
        for path in ("new%0Aline.md", cited.replace("\n", "%0A").replace("#", "%23")):
            r = c.get("/api/documents/" + path)
            assert r.status_code == 200 and r.json()["id"] == "new\nline.md", (path, r.text[:200])
        assert c.get("/api/documents/a.md").status_code == 200 and c.get("/api/documents/nope").status_code == 404


# ---------------------------------------------------------------------------------------------
# Security headers everywhere; CORS; binding


@pytest.mark.parametrize("method, path", [
    ("GET", "/"), ("GET", "/index.html"), ("GET", "/app.js"), ("GET", "/style.css"), ("GET", "/favicon.svg"),
    ("GET", "/docs"), ("GET", "/docs.js"), ("GET", "/docs-assets/swagger-ui.css"), ("GET", "/openapi.json"),
    ("GET", "/api/health"), ("GET", "/api/faq"), ("GET", "/api/documents/baseten-funding.md"),
    ("GET", "/nope.html"), ("GET", "/api/documents/nope"), ("GET", "/api/nope"), ("GET", "/api/ask"),
    ("POST", "/"), ("POST", "/api/ask"), ("HEAD", "/"), ("OPTIONS", "/api/ask"),
])
def test_every_response_carries_the_security_headers(client, method, path):
    r = client.request(method, path, json={"question": "what is inference?"} if method == "POST" else None)
    for name, value in SECURITY_HEADERS.items():
        assert r.headers.get(name) == value, (method, path, r.status_code, name)
    assert "server" not in r.headers or "uvicorn" not in r.headers["server"]


def test_security_policy_allows_no_inline_script_and_no_outside_origin():
    csp = dict(part.strip().split(" ", 1) for part in SECURITY_HEADERS["Content-Security-Policy"].split(";"))
    assert csp["default-src"] == "'self'" and csp["script-src"] == "'self'" and csp["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in str(csp) and "unsafe-eval" not in str(csp) and "http" not in str(csp)
    assert csp["object-src"] == "'none'"


PREFLIGHT = {"origin": "https://evil.example", "access-control-request-method": "POST",
             "access-control-request-headers": "content-type"}


def test_cors_is_closed_by_default(client):
    assert "CORSMiddleware" not in [m.cls.__name__ for m in client.app.user_middleware]
    r = client.options("/api/ask", headers=PREFLIGHT)
    assert "access-control-allow-origin" not in r.headers and r.status_code == 405
    r = client.post("/api/ask", json={"question": "hi"}, headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers


def test_cors_opens_to_the_configured_origins_only(engine):
    origins = "https://faq.example.com, http://localhost:3000/"
    with TestClient(create_app(settings_of(engine, cors_origins=origins), engine)) as c:
        ok = c.options("/api/ask", headers={**PREFLIGHT, "origin": "http://localhost:3000"})
        assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == "http://localhost:3000"
        assert ok.headers["x-content-type-options"] == "nosniff"
        r = c.post("/api/ask", json={"question": "hi"}, headers={"origin": "https://faq.example.com"})
        assert r.headers["access-control-allow-origin"] == "https://faq.example.com"
        assert r.headers["access-control-expose-headers"] == "X-QA-Build" and r.headers["x-qa-build"]  # readable there
        bad = c.options("/api/ask", headers=PREFLIGHT)
        assert_problem(bad, 400, "CORS preflight refused", "'https://evil.example' is not allowed", "QA_CORS_ORIGINS")
        assert "access-control-allow-origin" not in bad.headers
        bad = c.options("/api/ask", headers={**PREFLIGHT, "origin": "http://localhost:3000",
                                             "access-control-request-method": "DELETE"})
        assert_problem(bad, 400, "the method 'DELETE' is not allowed (use GET, POST)")
        bad = c.options("/api/ask", headers={**PREFLIGHT, "access-control-request-headers": "x-secret"})
        assert_problem(bad, 400, "origin", "Content-Type and Authorization")
        r = c.get("/api/health", headers={"origin": "https://evil.example"})
        assert "access-control-allow-origin" not in r.headers


def test_serve_binds_loopback_by_default():
    from qa.cli import serve

    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"


def serve_fails(monkeypatch, *args: str) -> str:
    """`qa serve ARGS` exits 1 with one line on stderr, before loading anything or listening; the line."""
    import uvicorn
    from typer.testing import CliRunner

    import qa.api
    from qa.cli import app as cli_app

    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("serve opened the port"))
    monkeypatch.setattr(qa.api, "Engine", lambda *a, **k: pytest.fail("serve loaded the engine"))
    result = CliRunner().invoke(cli_app, ["serve", "--port", str(free_port()), *args])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "serving" not in result.stdout
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("qa: "), result.stderr
    return errors[0]


@pytest.mark.parametrize("host", ["", "  "])
def test_serve_with_an_empty_host_is_an_error(monkeypatch, host):
    assert "--host is empty" in serve_fails(monkeypatch, "--host", host)


def test_serve_with_a_data_file_is_an_error_before_listening(monkeypatch, tmp_path):
    (tmp_path / "data").write_text("not a folder")
    line = serve_fails(monkeypatch, "--data", str(tmp_path / "data"))
    assert f"{tmp_path / 'data'} is a file, not a folder" in line and "--data" in line
    line = serve_fails(monkeypatch, "--data", str(tmp_path / "data" / "below"))
    assert "cannot create the data folder" in line


def test_serve_watch_needs_the_index_watcher(monkeypatch, tmp_path):
    monkeypatch.setenv("QA_WATCH_INTERVAL", "0")
    monkeypatch.setenv("QA_DATA", str(tmp_path / "data"))
    line = serve_fails(monkeypatch, "--watch")
    assert line.startswith("qa: --watch needs the index watcher (QA_WATCH_INTERVAL > 0)")


# ---------------------------------------------------------------------------------------------
# POST /api/reload


def test_reload_route_does_not_exist_without_a_token(client):
    assert_problem(client.post("/api/reload", headers={"authorization": "Bearer x"}), 404)
    assert "/api/reload" not in client.get("/openapi.json").json()["paths"]


def test_reload_route_needs_the_token(engine):
    token = "s3cret-token-for-tests"
    with TestClient(create_app(settings_of(engine, reload_token=SecretStr(token)), engine)) as c:
        r = c.post("/api/reload")
        assert_problem(r, 401, "Authorization: Bearer")
        assert r.headers["www-authenticate"] == "Bearer"
        assert_problem(c.post("/api/reload", headers={"authorization": f"Basic {token}"}), 401)
        assert_problem(c.post("/api/reload", headers={"authorization": "Bearer wrong"}), 403, "Wrong reload token")
        assert_problem(c.post("/api/reload", headers={"authorization": f"Bearer {token}x"}), 403)
        assert_problem(c.post("/api/reload", headers={"authorization": ("Bearer " + "é" * 3).encode()}), 403)
        r = c.post("/api/reload", headers={"authorization": f"Bearer {token}"})
        assert r.status_code == 200
        assert r.json() == {"reloaded": False, "build": engine.state.build, "passages": 9}
        assert token not in c.get("/openapi.json").text


def test_reload_token_compared_in_constant_time():
    import qa.api

    assert "hmac.compare_digest" in inspect.getsource(qa.api)


def test_a_long_answer_sent_back_as_history_is_read_not_refused(client):
    """An answer holding a code block can run past MAX_ANSWER_CHARS; sent back whole, it is read
    (its first characters) rather than refused with a 422."""
    from qa.schemas import MAX_ANSWER_CHARS

    given = client.post("/api/ask", json={"question": "who co-leads the round?"}).json()
    long = given["answer"] + " " + "x" * (MAX_ANSWER_CHARS + 2500)
    r = client.post("/api/ask", json={"question": "and who else?",
                                      "history": [{"question": "who co-leads the round?", "answer": long}]})
    assert r.status_code == 200, r.text[:300]


# ---------------------------------------------------------------------------------------------
# The catch-all


class Exploding:
    def __init__(self, engine):
        self.settings, self.state = engine.settings, engine.state

    def ask(self, question, top_k=None, documents=None, history=None, state=None):
        raise RuntimeError(f"boom in {PROJECT_DIR}/qa/secret.py with {question}")


def test_unexpected_errors_are_a_bare_500_logged_server_side(engine, caplog):
    with TestClient(create_app(settings_of(engine), Exploding(engine))) as c, caplog.at_level(logging.ERROR, "qa"):
        r = c.post("/api/ask", json={"question": "what is inference?"})
        assert_problem(r, 500)
        assert r.json() == {"detail": "internal error"}
        assert c.get("/api/health").status_code == 200  # and the server goes on
    logged = "\n".join(f"{rec.getMessage()}\n{rec.exc_text or ''}" for rec in caplog.records)
    assert "internal error on POST /api/ask" in logged and "RuntimeError: boom" in logged
