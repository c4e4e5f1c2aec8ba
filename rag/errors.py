"""Every error Tanya Berita raises on purpose.

All derive from :class:`TanyaError`; each message says what went wrong and what to
do about it, so the CLI and the UI can show it as it is, without a traceback.
"""

from index.errors import (  # re-exported: the index layer raises these
    ArticleError,
    EmbeddingServerError,
    IndexDirectoryError,
    IndexWriteError,
    ModelError,
    StoreUnavailableError,
    TanyaError,
)

__all__ = [
    "TanyaError",
    "ArticleError",
    "IndexDirectoryError",
    "IndexWriteError",
    "ModelError",
    "EmbeddingServerError",
    "StoreUnavailableError",
    "QuestionError",
    "FilterError",
    "SettingsError",
    "LLMError",
]


class QuestionError(TanyaError, ValueError):
    """The question cannot be asked as it is (empty, too long)."""


class FilterError(TanyaError, ValueError):
    """A retrieval filter names an unknown field or holds an unusable value."""


class SettingsError(TanyaError, ValueError):
    """A setting (environment variable or config file) has an unusable value."""


class LLMError(TanyaError, RuntimeError):
    """The language model failed while answering (server unreachable, crashed)."""
