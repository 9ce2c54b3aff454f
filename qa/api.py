"""FastAPI app: JSON API under /api, the web chat from web/ at /. Routes stay thin."""

from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from qa.config import PROJECT_DIR, Settings
from qa.engine import Engine
from qa.errors import QAError, QuestionError
from qa.schemas import AskRequest, AskResponse

WEB_DIR = PROJECT_DIR / "web"
log = logging.getLogger("qa")

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class Health(BaseModel):
    status: str
    model: str
    documents: int
    passages: int
    built_at: str
    index_type: str


class FaqEntry(BaseModel):
    question: str
    id: str = Field(description="passage id of the FAQ answer")
    document: str = Field(description="document id, for GET /api/documents/{id}")


class DocumentOut(BaseModel):
    id: str
    title: str
    source: str
    text: str = Field(description="the text that citation offsets refer to")


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


EngineDep = Annotated[Engine, Depends(get_engine)]


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if engine is None:
            t0 = time.perf_counter()
            app.state.engine = Engine(settings or Settings(), log=log.warning).warm()
            log.warning("qa ready in %.2f s", time.perf_counter() - t0)
        else:
            app.state.engine = engine
        yield

    app = FastAPI(title="qa", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Extractive answers from your documents, cited to the character.")
    mount_docs(app)

    @app.exception_handler(QAError)
    async def qa_error(request: Request, exc: QAError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422 if isinstance(exc, QuestionError) else 400)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.post("/api/ask", response_model=AskResponse)
    def ask(body: AskRequest, engine: EngineDep) -> AskResponse:
        return engine.ask(body.question, top_k=body.top_k)

    @app.get("/api/health", response_model=Health)
    def health(engine: EngineDep) -> Health:
        m = engine.index.manifest
        return Health(status="ok", model=m.get("model", ""), documents=m["documents"], passages=m["passages"],
                      built_at=m["built_at"], index_type=m.get("index_type", "flat"))

    @app.get("/api/faq", response_model=list[FaqEntry])
    def faq(engine: EngineDep) -> list[FaqEntry]:
        return [FaqEntry(question=p.question, id=p.id, document=p.doc_id) for p in engine.index.passages if p.question]

    @app.get("/api/documents/{doc_id:path}", response_model=DocumentOut)
    def document(doc_id: str, engine: EngineDep) -> DocumentOut:
        """A document by its id, or the document holding the passage with that (citation) id."""
        from qa.answer import source_path

        doc = engine.index.document_of(doc_id)
        if doc is None:
            raise HTTPException(404, f"No document or passage with id '{doc_id}'. A citation's id, or the "
                                     "document of an entry of GET /api/faq, names one.")
        return DocumentOut(id=doc.id, title=doc.title, source=source_path(engine.settings.corpus, doc.id), text=doc.text)

    if WEB_DIR.is_dir():
        app.mount("/", StaticFiles(directory=WEB_DIR, html=True), name="web")
    return app


DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>qa API</title>
<link rel="stylesheet" href="/docs-assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs-assets/swagger-ui-bundle.js"></script><script src="/docs.js"></script></body></html>
"""


def mount_docs(app: FastAPI) -> None:
    """OpenAPI docs at /docs from the swagger-ui-bundle wheel: no CDN, no inline script (CSP)."""
    from fastapi.responses import HTMLResponse
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(DOCS_PAGE)


def serve(settings: Settings, host: str, port: int) -> None:
    """Load everything first, so a bad corpus or model fails as one line before the port opens."""
    import uvicorn

    t0 = time.perf_counter()
    engine = Engine(settings).warm()
    print(f"qa: ready in {time.perf_counter() - t0:.2f} s; serving http://{host}:{port}/", flush=True)
    uvicorn.run(create_app(settings, engine), host=host, port=port, log_level="warning")
