"""Errors of the index layer. `rag.errors` re-exports them with the rest."""


class TanyaError(Exception):
    """Base class of every error Tanya Berita raises on purpose.

    Its message is meant for the user: it says what is wrong and what to do.
    """


class ArticleError(TanyaError, ValueError):
    """An article file cannot be read or holds no text."""


class IndexDirectoryError(TanyaError, RuntimeError):
    """The index directory is not a Tanya Berita index, or was built differently."""


class StoreUnavailableError(IndexDirectoryError):
    """The Chroma server named by ``TANYA_CHROMA_URL`` does not answer (not started, stopped, unreachable)."""


class IndexWriteError(TanyaError, RuntimeError):
    """Writing to the index failed part-way (the disk holding it is full): what was written before stays."""


class ModelError(TanyaError, RuntimeError):
    """A model is missing, corrupt or cannot be loaded."""


class EmbeddingServerError(ModelError):
    """The embedding server named by ``TANYA_EMBED_BASE_URL`` does not answer, refuses, or sends no vectors."""
