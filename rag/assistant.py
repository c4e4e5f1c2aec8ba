"""The public engine: `Assistant` answers questions over the indexed articles, with citations."""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index import Article, ChunkStore, Embedder, IndexReport, index_articles, index_documents
from rag.answer import Answer
from rag.answer_log import logged
from rag.answering import AnswerPipeline, Checking, Event, Final, Token, Waiting
from rag.embedding import load_embedder_for
from rag.errors import QuestionError, SettingsError
from rag.followup import History
from rag.grounding import GroundingJudge
from rag.language import Language, detect_language, is_language
from rag.library_prompt import WholeLibrary
from rag.llm import ChatModel, load_chat_model
from rag.model_queue import ModelQueue
from rag.retrieval import Filters, HybridRetriever, Passage, Weights
from rag.settings import Settings, load_settings
from rag.terms import load_tables

__all__ = ["Assistant", "Checking", "Final", "Token", "Waiting"]

if TYPE_CHECKING:
    from rag.conversations import ConversationStore
    from rag.library import ArticleInfo, FileOutcome, RemovedArticle


#: The most passages :meth:`Assistant.retrieve` returns at once.
MAX_PASSAGES = 100

#: Tokens of the model's context kept, beside the answer's, for the system prompt and the question when the
#: whole library is the prompt's sources.
LIBRARY_PROMPT_MARGIN = 400


class Assistant:
    """Ask questions of the indexed news articles.

    >>> bot = Assistant()
    >>> ans = bot.ask("Siapa yang memberikan rompi antipeluru kepada Kim?")
    >>> ans.text, ans.citations[0].doc_id

    Models and the index load on first use. On first use the index is built from
    ``settings.articles_dir`` if it is empty.
    """

    def __init__(self, settings: Settings | None = None, *, embedder: Embedder | None = None,
                 store: ChunkStore | None = None, chat_model: ChatModel | None = None, **overrides: Any) -> None:
        """``settings`` (default: :func:`load_settings`, from the environment), with ``overrides`` applied.

        ``embedder``, ``store`` and ``chat_model`` are parts made elsewhere (a model already loaded,
        a store opened by the caller, a fake in a test); the parts not given are made from the
        settings on first use.
        """
        self.settings = settings.model_copy(update=overrides) if settings else load_settings(**overrides)
        self._embedder: Embedder | None = embedder
        self._store: ChunkStore | None = store
        self._retriever: HybridRetriever | None = None
        self._llm: ChatModel | None = chat_model
        self._judge: GroundingJudge | None = None
        self._conversations: ConversationStore | None = None
        #: The library as the prompt's sources, when it is small enough (setting ``library_in_prompt``); room is
        #: left in the model's context for the system prompt, the question and the answer.
        room = self.settings.context_window - self.settings.max_answer_tokens - LIBRARY_PROMPT_MARGIN
        self.library = WholeLibrary(min(self.settings.library_in_prompt, max(0, room)))
        self._lock = threading.RLock()  # one change to the index (or to the loaded parts) at a time
        #: Each lazy part is made by one thread, once. Never held while taking ``_lock``.
        self._parts_lock = threading.RLock()
        #: The queue at the model, one answer at a time (the CPU is the bottleneck), shared with
        #: :meth:`with_settings`' variants. Not a lock: a streaming generator may be closed from
        #: another thread than the one it began in, and a waiting question must be able to leave.
        self.model_queue = ModelQueue()
        self._variants: dict[tuple, Assistant] = {}

    # Components, loaded lazily --------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        with self._parts_lock:  # every lazy part is made once, whichever threads ask for it first
            if self._embedder is None:
                self._embedder = load_embedder_for(self.settings)
            return self._embedder

    @property
    def store(self) -> ChunkStore:
        with self._parts_lock:
            if self._store is None:
                self._store = self._open_store()
            return self._store

    def _open_store(self, reset: bool = False) -> ChunkStore:
        s = self.settings
        return ChunkStore.open(path=s.index_path, url=s.chroma_url, collection=s.collection,
                               embed_model=s.embed_model_name, reset=reset, keyword_cache=s.keyword_cache_path,
                               sentence_vectors=s.index_sentence_vectors)

    @property
    def retriever(self) -> HybridRetriever:
        if self._retriever is None:
            if self.store.count() == 0:
                self.index()  # takes the index lock: never while holding the parts lock
            with self._parts_lock:
                if self._retriever is None:
                    s = self.settings
                    weights = {"id": Weights(sentence=s.sentence_weight_id, bm25=s.bm25_weight_id),
                               "en": Weights(sentence=s.sentence_weight_en, bm25=s.bm25_weight_en)}
                    self._retriever = HybridRetriever(self.store, self.embedder, candidates=s.candidates,
                                                      weights=weights, duplicate_threshold=s.duplicate_threshold)
        return self._retriever

    @property
    def llm(self) -> ChatModel:
        with self._parts_lock:
            if self._llm is None:
                self._llm = load_chat_model(self.settings)
            return self._llm

    def prepare(self, *, model: bool = True) -> None:
        """Load now what the first question would: the index (built from the articles folder if empty, and read
        once), the embedding model and, with ``model``, the language model, which also reads the answer prompt's
        fixed start (the system prompt) so that the first question is as quick as the next.

        For a server before its first visitor, or a benchmark before its clock starts. Raises what
        loading raises (:class:`TanyaError`: a model missing, the index unusable)."""
        # Opens the store (indexing the articles folder if it is empty) and loads the embedder; one retrieval
        # then loads what a first question would (the vector index, the keyword index, the embedder's session).
        self.retriever.retrieve("Apa isi berita hari ini?", 1, "id", None)
        _ = self.judge
        load_tables()  # the judge's word tables (wordfreq, CLDR): not on the first English answer's path
        for text in ("Kapan Kim tiba di Rusia?", "When did Kim arrive in Russia?"):
            detect_language(text)  # the language detector loads its models at its first use (~0.4 s)
        if model:
            warm = getattr(self.llm, "warm", None)  # a local model: read the fixed prompt prefix now, once
            if warm is not None:
                from rag.prompting import build_library_messages, build_messages

                warm(build_messages("?", [], "id", self.settings.demonstrations))
                library = self.library.sources(self.store, getattr(self.llm, "count_tokens", None))
                if library is not None:  # read the library once now, not at the first question
                    warm(build_library_messages("?", library, "id"))
                    for source in library:  # and the vectors of its sentences, which verification compares
                        self.judge.similarity("?", source.text)

    @property
    def judge(self) -> GroundingJudge:
        """The support judge that verifies every answer sentence against its sources."""
        with self._parts_lock:
            if self._judge is None:
                self._judge = GroundingJudge(self.embedder, self.settings.support_threshold,
                                           self.settings.support_threshold_cross,
                                           self.settings.support_counterpart_threshold)
            return self._judge

    # Indexing ---------------------------------------------------------------------
    def index(self, paths: Sequence[Path | str] | None = None, *, rebuild: bool = False,
              progress: bool = True) -> IndexReport:
        """Index article files (default: the articles folder, and the uploads' folder, ``settings.library_path``,
        when that is another one). Unchanged articles are skipped."""
        targets = [Path(p) for p in paths] if paths else self.settings.article_folders
        with self._lock:
            if rebuild:  # start clean, whatever model built the old index
                self._store = self._open_store(reset=True)
                self._retriever = None
            # The embedding model is loaded only if an article needs embedding.
            report = index_articles(targets, self.store, lambda: self.embedder, chunk_size=self.settings.chunk_size,
                                    chunk_overlap=self.settings.chunk_overlap, progress=progress)
        return report

    def add_articles(self, articles: Sequence[Article], *, progress: bool = True) -> IndexReport:
        """Index :class:`index.Article` records made in memory (e.g. from a data set)."""
        with self._lock:
            report = index_documents(list(articles), self.store, self.embedder, chunk_size=self.settings.chunk_size,
                                     chunk_overlap=self.settings.chunk_overlap, progress=progress)
        return report

    # Questions ----------------------------------------------------------------------
    def _check_question(self, question: str) -> str:
        if not isinstance(question, str) or not question.strip():
            raise QuestionError("The question is empty: type a question about the articles.")
        question = " ".join(question.split())
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise QuestionError(f"The question is {len(question):,} characters long; the limit is {limit:,}. "
                                "Ask a shorter question.")
        return question

    @staticmethod
    def _check_language(language: str | None) -> Language | None:
        if language is None or is_language(language):
            return language
        raise QuestionError(f"Unknown answer language {language!r}: use 'id' (Indonesian) or 'en' (English), "
                            "or None for the question's own.")

    def retrieve(self, question: str, k: int = 5, *, filters: Filters | None = None,
                 language: Language | None = None) -> list[Passage]:
        """The ``k`` passages that best answer ``question``, best first.

        ``filters`` keeps only chunks whose metadata matches: ``doc_id``, ``publisher``,
        ``title`` or ``date`` equal to a value (or to one of a list of values), ``date_from``/``date_to``
        (YYYY-MM-DD, inclusive) bounding the article's date, e.g. ``{"publisher": "Bisnis.com"}`` or
        ``{"doc_id": ["a", "b"], "date_from": "2023-09-01"}``.
        """
        question = self._check_question(question)
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_PASSAGES:
            raise QuestionError(f"k is the number of passages to return: a whole number from 1 to {MAX_PASSAGES}, "
                                f"not {k!r}.")
        language = self._check_language(language) or detect_language(question)
        return self.retriever.retrieve(question, k, language, filters)

    def events(self, question: str, history: History | None = None, *, language: Language | None = None,
               passages: Sequence[str] | None = None, filters: Filters | None = None,
               stop: threading.Event | None = None) -> Generator[Event, None, None]:
        """Answer ``question``: :class:`Waiting` events while other questions use the model first,
        :class:`Checking` when the model begins to write, a :class:`Token` for each sentence that has
        passed the check against the sources (never the model's raw words), then one :class:`Final`,
        whose text the tokens make when joined. (A follow-up rewritten first, or an answer translated,
        may wait for a turn too: more :class:`Waiting`.)

        ``passages`` answers from the given texts instead of the index (reading
        comprehension); ``filters`` restricts retrieval as in :meth:`retrieve`. Setting ``stop``
        ends the answer at once, without a :class:`Final`, and frees the model for the next
        question: the local model stops even in the middle of reading the prompt.
        The way there is :class:`rag.answering.AnswerPipeline`.
        """
        question = self._check_question(question)
        language = self._check_language(language) or detect_language(question)
        pipeline = AnswerPipeline(self.settings, self, self.model_queue, stop)
        yield from logged(pipeline.events(question, language, history, passages, filters), language)

    def ask(self, question: str, history: History | None = None, *, language: Language | None = None,
            passages: Sequence[str] | None = None, filters: Filters | None = None) -> Answer:
        """Answer ``question`` (in its language, or ``language``), each claim cited as ``[n]``.

        ``history`` is the conversation so far, as (question, answer) pairs or chat
        messages; a follow-up question is made standalone from it before retrieval.
        ``passages`` answers from the given texts instead of the index.
        """
        for event in self.events(question, history, language=language, passages=passages, filters=filters):
            if isinstance(event, Final):
                return event.answer
        raise AssertionError("events() ended without a Final answer")  # pragma: no cover

    def stream(self, question: str, history: History | None = None, *,
               language: Language | None = None) -> Iterator[str]:
        """The checked answer's text in pieces, each sentence as soon as it has passed the check (joined,
        the answer's text; use :meth:`ask` or :meth:`events` for its citations)."""
        for event in self.events(question, history, language=language):
            if isinstance(event, Token):
                yield event.text

    # Library and per-session settings (for the UI) -----------------------------------
    def articles(self) -> list[ArticleInfo]:
        """Every indexed article (title, publisher, date, number of chunks), by title."""
        from rag import library

        return library.list_articles(self.store)

    def article_text(self, doc_id: str) -> str:
        """The cleaned full text of an indexed article (what its cited passages are quoted from)."""
        from rag import library

        return library.article_text(self.store, doc_id)

    @property
    def conversations(self) -> ConversationStore:
        """The saved conversations (``$TANYA_HOME/conversations.sqlite3``): create, append, list, load,
        rename, delete. Shared by every session of this assistant."""
        from rag.conversations import ConversationStore

        with self._parts_lock:
            if self._conversations is None or self._conversations.path != self.settings.conversations_path:
                self._conversations = ConversationStore(self.settings.conversations_path)
            return self._conversations

    def remove_article(self, doc_id: str) -> RemovedArticle:
        """Remove an article from the index; answers stop using it at once. Its file, if it is in the
        articles folder, is moved to ``$TANYA_HOME/removed`` so that re-indexing does not re-add it."""
        from rag import library

        with self._lock:
            removed = library.remove_article(self.store, doc_id, articles_dir=self.settings.articles_dir,
                                             removed_dir=self.settings.home / "removed",
                                             library_dir=self.settings.library_path)
        return removed

    def add_files(self, paths: Sequence[Path | str], *, names: Sequence[str] | None = None,
                  progress: Callable[[int, int, str], None] | None = None) -> list[FileOutcome]:
        """Copy article files into the uploads' folder (``settings.library_path``: the articles folder when it
        was set, else ``$TANYA_HOME/library``) and index them; answers use them at once.

        Each file is checked first (type, size, readable text): a bad file is refused
        with a reason and nothing else changes. ``names`` are the files' own names when
        ``paths`` are temporary copies (uploads).
        """
        from rag import library

        return library.add_files(paths, articles_dir=self.settings.library_path,
                                 known=self.store.document_hashes(), names=names, progress=progress,
                                 index=lambda files: self.index(files, progress=False))

    def with_settings(self, **overrides: Any) -> Assistant:
        """This assistant with some settings changed (e.g. ``top_k``, ``llm``), for one user's session.

        It shares this assistant's index, embedder, lock and queue at the model; and, where the
        settings that make them are unchanged, its language model, retriever and grounding judge
        (a different one is made now, a language model loaded once and kept for later calls,
        raising :class:`ModelError` if it is missing). Settings that choose the index or the
        embedding model (:data:`SHARED_SETTINGS`) cannot change per session: :class:`SettingsError`.
        """
        overrides = {k: v for k, v in overrides.items() if getattr(self.settings, k, object()) != v}
        if not overrides:
            return self
        fixed = sorted(set(overrides) & SHARED_SETTINGS)
        if fixed:
            raise SettingsError(f"{', '.join(fixed)} cannot change for one session: they choose the index or the "
                                "embedding model every session shares. Start another Assistant with them instead.")
        key = tuple(sorted(overrides.items()))
        with self._lock:
            if key not in self._variants:
                settings = load_settings(**{**self.settings.model_dump(), **overrides})
                self._variants[key] = self._variant(settings)
        return self._variants[key]

    def _variant(self, settings: Settings) -> Assistant:
        """An assistant with ``settings`` that shares this one's parts where ``settings`` allow."""
        self.prepare(model=False)  # the index built (if empty) once, here, before it is shared
        if _llm_key(settings) == _llm_key(self.settings):
            chat_model = self.llm
        else:
            same = [v._llm for v in self._variants.values() if _llm_key(v.settings) == _llm_key(settings) and v._llm]
            chat_model = same[0] if same else load_chat_model(settings)
        variant = Assistant(settings, embedder=self.embedder, store=self.store, chat_model=chat_model)
        variant._lock, variant.model_queue, variant._variants = self._lock, self.model_queue, self._variants
        if all(getattr(settings, k) == getattr(self.settings, k) for k in RETRIEVER_SETTINGS):
            variant._retriever = self.retriever
        if all(getattr(settings, k) == getattr(self.settings, k) for k in JUDGE_SETTINGS):
            variant._judge = self.judge
        return variant


#: Settings every session of one Assistant shares: they choose the index and the embedding model.
SHARED_SETTINGS = frozenset({"home", "articles_dir", "models_dir", "embed_model", "embed_backend", "chroma_url",
                             "embed_base_url", "embed_api_model", "embed_api_key", "embed_api_batch",
                             "collection", "chunk_size", "chunk_overlap", "sentence_vectors", "threads",
                             "allowed_hosts"})
#: Settings that make the retriever and the grounding judge (a session changing one gets its own).
RETRIEVER_SETTINGS = ("candidates", "duplicate_threshold", "sentence_weight_id", "bm25_weight_id",
                      "sentence_weight_en", "bm25_weight_en")
JUDGE_SETTINGS = ("support_threshold", "support_threshold_cross")


def _llm_key(settings: Settings) -> tuple:
    """The settings that choose the language model: a local file, or a model on a server."""
    return (settings.llm, settings.llm_base_url, settings.llm_model, settings.llm_api_key, settings.context_window,
            settings.prompt_lookup)

