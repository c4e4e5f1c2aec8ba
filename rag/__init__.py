"""Tanya Berita: ask Indonesian news articles questions, get short cited answers, fully offline.

>>> from rag import Assistant
>>> bot = Assistant()
>>> ans = bot.ask("Siapa yang memberikan rompi antipeluru kepada Kim Jong Un?")
>>> print(ans.with_sources())
"""

from rag.answer import Answer, Citation
from rag.assistant import Assistant, Checking, Final, Token, Waiting
from rag.errors import (
    ArticleError,
    EmbeddingServerError,
    FilterError,
    IndexDirectoryError,
    IndexWriteError,
    LLMError,
    ModelError,
    QuestionError,
    SettingsError,
    StoreUnavailableError,
    TanyaError,
)
from rag.retrieval import Passage
from rag.settings import Settings, load_settings

__all__ = [
    "Answer", "ArticleError", "Assistant", "Checking", "Citation", "EmbeddingServerError", "FilterError", "Final",
    "IndexDirectoryError", "IndexWriteError", "LLMError", "ModelError", "Passage", "QuestionError", "Settings",
    "SettingsError", "StoreUnavailableError", "TanyaError", "Token", "Waiting", "load_settings",
]

from rag.library import ArticleInfo, FileOutcome, RemovedArticle  # noqa: E402  (the library, for the UI)

__all__ += ["ArticleInfo", "FileOutcome", "RemovedArticle"]

from rag.conversations import (  # noqa: E402  (conversations kept, for the UI and scripts)
    Conversation,
    ConversationError,
    ConversationStore,
    ConversationSummary,
    ConversationTurn,
    TurnStatus,
)
from rag.export import answer_json, answer_markdown, conversation_json, conversation_markdown  # noqa: E402

__all__ += ["Conversation", "ConversationError", "ConversationStore", "ConversationSummary", "ConversationTurn",
            "TurnStatus", "answer_json", "answer_markdown", "conversation_json", "conversation_markdown"]
