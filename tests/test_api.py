"""The HTTP API through TestClient (lifespan runs), on the default corpus with the real model."""

import pytest
from fastapi.testclient import TestClient

from qa.api import SECURITY_HEADERS, create_app

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def client(engine):
    with TestClient(create_app(engine.settings, engine)) as c:
        yield c


def test_ask_returns_the_contract(client):
    r = client.post("/api/ask", json={"question": "  what is inference?  "})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"question", "answered", "answer", "confidence", "citations", "suggestions"}
    assert body["question"] == "what is inference?"
    assert body["answered"] and body["answer"] in body["citations"][0]["text"]
    assert len(body["citations"]) == 3
    assert r.headers["X-QA-Build"] == client.get("/api/health").json()["build"]  # the build it came from


def test_ask_respects_top_k(client):
    body = client.post("/api/ask", json={"question": "who co-leads the round?", "top_k": 1}).json()
    assert len(body["citations"]) == 1


def test_ask_declines_with_suggestions(client):
    body = client.post("/api/ask", json={"question": "who is Baseten's CEO?"}).json()
    assert body["answered"] is False and body["citations"] == [] and body["suggestions"]


@pytest.mark.parametrize("payload, status", [
    ({"question": ""}, 422),
    ({"question": "   "}, 422),
    ({"question": "x" * 501}, 422),
    ({"question": 42}, 422),
    ({}, 422),
    ({"question": "hi", "top_k": 0}, 422),
    ({"question": "hi", "top_k": 11}, 422),
    ({"question": "hi", "top_k": "many"}, 422),
    (["not", "an", "object"], 422),
])
def test_ask_bad_input_is_a_4xx_with_detail(client, payload, status):
    r = client.post("/api/ask", json=payload)
    assert r.status_code == status
    assert r.json()["detail"]


def test_ask_not_json_is_a_4xx(client):
    r = client.post("/api/ask", content=b"\xff\xfe not json", headers={"content-type": "application/json"})
    assert r.status_code in (400, 422) and r.json()["detail"]


def test_health_reports_the_index(client):
    body = client.get("/api/health").json()
    assert body["status"] == "ok" and body["documents"] == 1 and body["passages"] == 9
    assert body["model"] == "all-MiniLM-L6-v2" and body["built_at"].endswith("Z")


def test_faq_lists_the_questions_with_their_document(client):
    body = client.get("/api/faq").json()
    assert [e["question"] for e in body][0] == "What is AI inference?"
    assert {e["document"] for e in body} == {"baseten-funding.md"}


def test_document_text_is_what_citation_offsets_refer_to(client):
    cite = client.post("/api/ask", json={"question": "what is inference?"}).json()["citations"][0]
    by_doc = client.get("/api/documents/baseten-funding.md").json()
    by_passage = client.get(f"/api/documents/{cite['id'].replace('#', '%23')}").json()
    assert by_doc == by_passage
    assert by_doc["text"][cite["start"]:cite["end"]] == cite["text"]
    assert by_doc["source"] == "corpus/baseten-funding.md" and by_doc["title"].startswith("Baseten")


@pytest.mark.parametrize("path", ["/api/documents/nope.md", "/api/documents/../pyproject.toml",
                                  "/api/documents/%2e%2e/pyproject.toml", "/api/documents//etc/passwd"])
def test_unknown_documents_are_404_json(client, path):
    r = client.get(path)
    assert r.status_code == 404 and "detail" in r.json()


def test_pages_carry_security_headers(client):
    r = client.get("/")
    assert r.status_code == 200 and "<html" in r.text.lower()
    for name, value in SECURITY_HEADERS.items():
        assert r.headers[name] == value


def test_openapi_docs_are_served_offline(client):
    page = client.get("/docs")
    assert page.status_code == 200 and "http" not in page.text  # nothing from outside the machine
    for asset in ("/docs-assets/swagger-ui-bundle.js", "/docs-assets/swagger-ui.css", "/docs.js"):
        assert client.get(asset).status_code == 200
    assert "/api/ask" in client.get("/openapi.json").json()["paths"]


def test_documents_lists_what_is_indexed(client):
    listed = client.get("/api/documents").json()
    assert listed == [{"id": "baseten-funding.md", "title": listed[0]["title"], "source": "corpus/baseten-funding.md"}]
    assert listed[0]["title"].startswith("Baseten")
    doc_id = listed[0]["id"]  # a listed id is what `documents` and GET /api/documents/{id} take
    assert client.get(f"/api/documents/{doc_id}").json()["id"] == doc_id
    r = client.post("/api/ask", json={"question": "who co-leads the round?", "documents": [doc_id]})
    assert r.status_code == 200 and r.json()["answered"]


def test_head_works_like_get_without_a_body(client):
    for path in ("/api/health", "/api/faq", "/api/documents", "/api/documents/baseten-funding.md", "/"):
        get, head = client.get(path), client.head(path)
        assert head.status_code == get.status_code == 200, path
        assert head.content == b"" and head.headers["content-type"] == get.headers["content-type"], path
    r = client.head("/api/documents/nope.md")
    assert r.status_code == 404 and r.content == b""
    r = client.head("/api/ask")
    assert r.status_code == 405 and r.headers["allow"] == "POST"
