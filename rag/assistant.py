"""The public engine: `Assistant` answers questions over the indexed articles, with citations."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence, Union

import numpy as np

from index import Article, ChunkStore, Embedder, IndexReport, index_articles, index_documents, load_embedder
from rag.answer import Answer, Citation
from rag.citations import renumber
from rag.errors import QuestionError
from rag.grounding import ABSTAIN_MESSAGES, abstain_before_generation, check_sentences, is_refusal
from rag.language import Language, detect_language
from rag.llm import ChatModel, load_chat_model
from rag.prompting import build_messages
from rag.retrieval import HybridRetriever, Passage
from rag.settings import Settings, load_settings

#: A conversation so far: (question, answer) pairs, or chat messages {"role", "content"}.
History = Sequence[Union[tuple[str, str], dict[str, str]]]


@dataclass(frozen=True)
class Token:
    """A piece of the answer as the model writes it (citations not yet checked)."""

    text: str


@dataclass(frozen=True)
class Final:
    """The checked answer, after the last token."""

    answer: Answer


def _previous_questions(history: History | None) -> list[str]:
    questions = []
    for turn in history or []:
        if isinstance(turn, dict):
            if turn.get("role") == "user":
                questions.append(str(turn.get("content", "")))
        else:
            questions.append(str(turn[0]))
    return [q for q in questions if q.strip()]


class Assistant:
    """Ask questions of the indexed news articles.

    >>> bot = Assistant()
    >>> ans = bot.ask("Siapa yang memberikan rompi antipeluru kepada Kim?")
    >>> ans.text, ans.citations[0].doc_id

    Models and the index load on first use. On first use the index is built from
    ``settings.articles_dir`` if it is empty.
    """

    def __init__(self, settings: Settings | None = None, **overrides: Any) -> None:
        self.settings = settings.model_copy(update=overrides) if settings else load_settings(**overrides)
        self._embedder: Embedder | None = None
        self._store: ChunkStore | None = None
        self._retriever: HybridRetriever | None = None
        self._llm: ChatModel | None = None
        self._lock = threading.RLock()  # one generation at a time: the CPU is the bottleneck

    # Components, loaded lazily --------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = load_embedder(self.settings.embed_model, self.settings.models_path, self.settings.threads)
        return self._embedder

    @property
    def store(self) -> ChunkStore:
        if self._store is None:
            self._store = ChunkStore.open(path=self.settings.index_path, url=self.settings.chroma_url,
                                          collection=self.settings.collection, embed_model=self.settings.embed_model)
        return self._store

    @property
    def retriever(self) -> HybridRetriever:
        if self._retriever is None:
            if self.store.count() == 0:
                self.index()
            s = self.settings
            self._retriever = HybridRetriever(self.store, self.embedder, candidates=s.candidates, fusion_k=s.fusion_k,
                                              bm25_weights={"id": s.bm25_weight_id, "en": s.bm25_weight_en})
        return self._retriever

    @property
    def llm(self) -> ChatModel:
        if self._llm is None:
            self._llm = load_chat_model(self.settings)
        return self._llm

    # Indexing ---------------------------------------------------------------------
    def index(self, paths: Sequence[Path | str] | None = None, *, rebuild: bool = False,
              progress: bool = True) -> IndexReport:
        """Index article files (default: the articles folder). Unchanged articles are skipped."""
        targets = [Path(p) for p in paths] if paths else [self.settings.articles_dir]
        with self._lock:
            if rebuild:
                for doc_id in list(self.store.document_hashes()):
                    self.store.delete_document(doc_id)
            report = index_articles(targets, self.store, self.embedder, chunk_size=self.settings.chunk_size,
                                    chunk_overlap=self.settings.chunk_overlap, progress=progress)
            if self._retriever is not None:
                self._retriever.refresh()
        return report

    def add_articles(self, articles: Sequence[Article], *, progress: bool = True) -> IndexReport:
        """Index :class:`index.Article` records made in memory (e.g. from a data set)."""
        with self._lock:
            report = index_documents(list(articles), self.store, self.embedder, chunk_size=self.settings.chunk_size,
                                     chunk_overlap=self.settings.chunk_overlap, progress=progress)
            if self._retriever is not None:
                self._retriever.refresh()
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

    def retrieve(self, question: str, k: int = 5, *, filters: dict[str, str] | None = None,
                 language: Language | None = None) -> list[Passage]:
        """The ``k`` passages that best answer ``question``, best first.

        ``filters`` keeps only chunks whose metadata equals the given values, e.g.
        ``{"publisher": "Bisnis.com"}`` or ``{"doc_id": "000_f6ccf7329cada5fc"}``.
        """
        question = self._check_question(question)
        return self.retriever.retrieve(question, k, language or detect_language(question), filters)

    def events(self, question: str, history: History | None = None, *, language: Language | None = None,
               passages: Sequence[str] | None = None) -> Iterator[Token | Final]:
        """Answer ``question``: :class:`Token` events while the model writes, then one :class:`Final`.

        ``passages`` answers from the given texts instead of the index (reading comprehension).
        """
        question = self._check_question(question)
        language = language or detect_language(question)
        previous = _previous_questions(history)
        # A short follow-up ("Lalu apa yang dia terima?") is retrieved together with the last question.
        query = f"{previous[-1]} {question}" if previous and len(question.split()) < 10 else question
        started = time.perf_counter()
        evidence, vectors = self._evidence(query, language, passages)
        retrieval_s = time.perf_counter() - started

        reason = abstain_before_generation(question, evidence, language, self.settings.min_dense_score)
        if reason:
            answer = self._abstain(question, language, evidence, retrieval_s, reason)
            yield Token(answer.text)
            yield Final(answer)
            return

        messages = build_messages(question, evidence, language, context=previous[-1] if previous else None)
        with self._lock:
            pieces = []
            for piece in self.llm.stream(messages, max_tokens=self.settings.max_answer_tokens,
                                         temperature=self.settings.temperature):
                pieces.append(piece)
                yield Token(piece)
            stats = self.llm.last_stats
        raw = "".join(pieces).strip()
        answer = self._grounded_answer(question, language, raw, evidence, vectors)
        answer.stats, answer.retrieval_s = stats, retrieval_s
        yield Final(answer)

    def ask(self, question: str, history: History | None = None, *, language: Language | None = None,
            passages: Sequence[str] | None = None) -> Answer:
        """Answer ``question`` (in its language, or ``language``), each claim cited as ``[n]``.

        ``history`` is the conversation so far, as (question, answer) pairs or chat
        messages; a follow-up question is read in its light. ``passages`` answers from
        the given texts instead of the index.
        """
        for event in self.events(question, history, language=language, passages=passages):
            if isinstance(event, Final):
                return event.answer
        raise AssertionError("events() ended without a Final answer")  # pragma: no cover

    def stream(self, question: str, history: History | None = None, *,
               language: Language | None = None) -> Iterator[str]:
        """The answer's text in pieces as the model generates them (before citations are checked;
        use :meth:`ask` or :meth:`events` for the checked answer)."""
        for event in self.events(question, history, language=language):
            if isinstance(event, Token):
                yield event.text

    def _evidence(self, query: str, language: Language,
                  texts: Sequence[str] | None) -> tuple[list[Passage], np.ndarray]:
        """The passages to answer from (retrieved, or made from ``texts``) and their embeddings."""
        if texts is not None:
            return self._given_passages(query, list(texts))
        found = self.retriever.retrieve(query, self.settings.top_k, language)
        stored = self.store.embeddings([p.id for p in found])
        return found, (np.stack([stored[p.id] for p in found]) if found else np.zeros((0, 1)))

    def _given_passages(self, query: str, texts: list[str]) -> tuple[list[Passage], np.ndarray]:
        """Passages made from given texts, and their embeddings."""
        texts = [t for t in texts if t and t.strip()]
        if not texts:
            raise QuestionError("No passage text was given to answer from.")
        vectors = self.embedder.embed_passages(texts)
        scores = vectors @ self.embedder.embed_queries([query])[0]
        passages = [Passage(id=f"given#{i}", doc_id=f"given-{i + 1}", text=t, score=float(s),
                            title=f"Passage {i + 1}", dense_score=float(s))
                    for i, (t, s) in enumerate(zip(texts, scores))]
        return passages, vectors

    # Grounding ----------------------------------------------------------------------
    def _abstain(self, question: str, language: Language, passages: list[Passage], retrieval_s: float,
                 reason: str) -> Answer:
        return Answer(text=ABSTAIN_MESSAGES[language], citations=[], language=language, abstained=True,
                      question=question, passages=passages, retrieval_s=retrieval_s, notes=[reason])

    def _grounded_answer(self, question: str, language: Language, raw: str, passages: list[Passage],
                         vectors: np.ndarray) -> Answer:
        if not raw or is_refusal(raw):
            return self._abstain(question, language, passages, 0.0, "the model found no answer in the sources")
        checked, notes = check_sentences(raw, passages, vectors, self.embedder)
        if not checked:
            return self._abstain(question, language, passages, 0.0, "no sentence of the answer is supported")
        text, order = renumber([(c.text, c.sources) for c in checked])
        citations = [
            Citation(number=n, doc_id=passages[i].doc_id, title=passages[i].title, text=passages[i].text,
                     passage_id=passages[i].id, publisher=passages[i].publisher, date=passages[i].date)
            for n, i in enumerate(order, start=1)
        ]
        return Answer(text=text, citations=citations, language=language, abstained=False, question=question,
                      passages=passages, notes=notes)

    # Library and per-session settings (for the UI) -----------------------------------
    # (imports are local so that this section stays self-contained)
    def articles(self) -> list[ArticleInfo]:
        """Every indexed article (title, publisher, date, number of chunks), by title."""
        from rag import library

        return library.list_articles(self.store)

    def article_text(self, doc_id: str) -> str:
        """The cleaned full text of an indexed article (what its cited passages are quoted from)."""
        from rag import library

        return library.article_text(self.store, doc_id)

    def remove_article(self, doc_id: str) -> RemovedArticle:
        """Remove an article from the index; answers stop using it at once. Its file, if it is in the
        articles folder, is moved to ``$TANYA_HOME/removed`` so that re-indexing does not re-add it."""
        from rag import library

        with self._lock:
            removed = library.remove_article(self.store, doc_id, articles_dir=self.settings.articles_dir,
                                             removed_dir=self.settings.home / "removed")
            if self._retriever is not None:
                self._retriever.refresh()
        return removed

    def add_files(self, paths: Sequence[Path | str], *, names: Sequence[str] | None = None,
                  progress: Callable[[int, int, str], None] | None = None) -> list[FileOutcome]:
        """Copy article files into the articles folder and index them; answers use them at once.

        Each file is checked first (type, size, readable text): a bad file is refused
        with a reason and nothing else changes. ``names`` are the files' own names when
        ``paths`` are temporary copies (uploads).
        """
        from rag import library

        return library.add_files(paths, articles_dir=self.settings.articles_dir,
                                 known=self.store.document_hashes(), names=names, progress=progress,
                                 index=lambda files: self.index(files, progress=False))

    def with_settings(self, **overrides: Any) -> "Assistant":
        """This assistant with some settings changed (e.g. ``top_k``, ``llm``), for one user's session.

        It shares this assistant's index, embedder, lock and, when ``llm`` is unchanged,
        its language model; a different ``llm`` is loaded now (raising :class:`ModelError`
        if it is missing) and kept for later calls.
        """
        import copy

        overrides = {k: v for k, v in overrides.items() if getattr(self.settings, k, object()) != v}
        if not overrides:
            return self
        variants: dict[tuple, Assistant] = self.__dict__.setdefault("_variants", {})
        key = tuple(sorted(overrides.items()))
        with self._lock:
            if key not in variants:
                settings = load_settings(**{**self.settings.model_dump(), **overrides})
                self.retriever  # load the shared parts before copying them
                if settings.llm == self.settings.llm and settings.llm_base_url == self.settings.llm_base_url:
                    self.llm
                variant = copy.copy(self)
                variant.settings = settings
                if "llm" in overrides or "llm_base_url" in overrides:
                    same_model = [v for v in variants.values() if v.settings.llm == settings.llm and v._llm]
                    variant._llm = same_model[0]._llm if same_model else load_chat_model(settings)
                variants[key] = variant
        return variants[key]
