"""qa: a self-hosted, extractive FAQ question-answering bot with cited answers."""

__version__ = "0.1.0"
