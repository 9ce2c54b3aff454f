"""Domain errors. The CLI and the API translate them at their edges.

QAError                 base: a message meant for the user, never a traceback
├── CorpusError         the corpus folder is missing, empty or a document cannot be read
├── ModelError          the embedding model path is missing or not a sentence-transformers model
├── IndexError_         the index folder is missing, stale, corrupt or of another format
├── QuestionError       the question is empty or too long
└── UnknownDocument     a question was limited to a document the index does not hold
"""


class QAError(Exception):
    """A failure the user can act on; str(error) is one line that says what to fix."""


class CorpusError(QAError):
    pass


class ModelError(QAError):
    pass


class IndexError_(QAError):  # trailing underscore: do not shadow the builtin IndexError
    pass


class QuestionError(QAError):
    pass


class UnknownDocument(QAError):
    pass
