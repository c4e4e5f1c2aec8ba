"""The public engine: `Assistant` answers questions over the indexed articles, with citations."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from index import Article, ChunkStore, Embedder, IndexReport, index_articles, index_documents, load_embedder
from index.sentences import split_sentences
from rag.abstention import as_quotation, asks_for, cover_message, evidence_gap, gives, is_refusal
from rag.answer import Answer, Citation
from rag.citations import renumber, strip_citations
from rag.errors import QuestionError, SettingsError
from rag.evidence import PromptSource, select_evidence
from rag.followup import History, clean_rewrite, joined_question, looks_like_followup, previous_turns
from rag.grounding import GroundingJudge
from rag.language import Language, answer_language, detect_language, is_language
from rag.llm import ChatModel, Message, load_chat_model
from rag.model_queue import ModelQueue
from rag.prompting import build_messages, rewrite_messages, translate_messages
from rag.retrieval import HybridRetriever, Passage, ScoredSentence, Weights
from rag.settings import Settings, load_settings
from rag.verification import VerifiedSentence, verify_answer

if TYPE_CHECKING:
    from rag.library import ArticleInfo, FileOutcome, RemovedArticle


#: How often (seconds) a question waiting for the model says how many are ahead of it.
WAIT_POLL_S = 0.5
#: The most passages :meth:`Assistant.retrieve` returns at once.
MAX_PASSAGES = 100


@dataclass(frozen=True)
class Token:
    """A piece of the answer as the model writes it (citations not yet checked)."""

    text: str


@dataclass(frozen=True)
class Waiting:
    """The model is busy with other questions: ``ahead`` of them come before this one (0: its turn
    has come). Sent again every :data:`WAIT_POLL_S` seconds while it waits: before the answer, and
    also before a follow-up is rewritten or an answer translated, each of which takes a turn."""

    ahead: int


_T = TypeVar("_T")
#: A step of an answer that uses the model: :class:`Waiting` events until its turn, then its result
#: (``result = yield from step``).
Steps = Generator[Waiting, None, _T]


@dataclass(frozen=True)
class Final:
    """The checked answer, after the last token."""

    answer: Answer


@dataclass
class _Draft:
    """What one question gathered on its way to an answer."""

    question: str  # as asked
    query: str  # standalone (a follow-up rewritten)
    language: Language
    passages: list[Passage] = field(default_factory=list)
    sources: list[PromptSource] = field(default_factory=list)
    retrieval_s: float = 0.0
    notes: list[str] = field(default_factory=list)
    stop: threading.Event | None = None  # set: the asker stopped the answer

    @property
    def evidence_score(self) -> float | None:
        """The best evidence sentence's similarity to the question (None: no evidence)."""
        return max((s.score for s in self.sources), default=None)


class _Stopped(Exception):
    """The asker set the stop event: the answer ends where it is."""


def _check_stop(stop: threading.Event | None) -> None:
    if stop is not None and stop.is_set():
        raise _Stopped


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
                self._embedder = load_embedder(self.settings.embed_model, self.settings.models_path,
                                              self.settings.threads, self.settings.embed_backend)
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
                               embed_model=s.embed_model, reset=reset, keyword_cache=s.keyword_cache_path)

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
        """Load now what the first question would: the index (built from the articles folder if empty),
        the embedding model and, with ``model``, the language model.

        For a server before its first visitor, or a benchmark before its clock starts. Raises what
        loading raises (:class:`TanyaError`: a model missing, the index unusable)."""
        _ = self.retriever  # opens the store, indexes the articles folder if it is empty, loads the embedder
        if model:
            _ = self.llm

    @property
    def judge(self) -> GroundingJudge:
        """The support judge that verifies every answer sentence against its sources."""
        with self._parts_lock:
            if self._judge is None:
                self._judge = GroundingJudge(self.embedder, self.settings.support_threshold,
                                           self.settings.support_threshold_cross)
            return self._judge

    # Indexing ---------------------------------------------------------------------
    def index(self, paths: Sequence[Path | str] | None = None, *, rebuild: bool = False,
              progress: bool = True) -> IndexReport:
        """Index article files (default: the articles folder). Unchanged articles are skipped."""
        targets = [Path(p) for p in paths] if paths else [self.settings.articles_dir]
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

    def retrieve(self, question: str, k: int = 5, *, filters: dict[str, str] | None = None,
                 language: Language | None = None) -> list[Passage]:
        """The ``k`` passages that best answer ``question``, best first.

        ``filters`` keeps only chunks whose metadata matches: ``doc_id``, ``publisher``,
        ``title`` or ``date`` equal to a value, ``date_from``/``date_to`` (YYYY-MM-DD,
        inclusive) bounding the article's date, e.g. ``{"publisher": "Bisnis.com"}``.
        """
        question = self._check_question(question)
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_PASSAGES:
            raise QuestionError(f"k is the number of passages to return: a whole number from 1 to {MAX_PASSAGES}, "
                                f"not {k!r}.")
        language = self._check_language(language) or detect_language(question)
        return self.retriever.retrieve(question, k, language, filters)

    def events(self, question: str, history: History | None = None, *, language: Language | None = None,
               passages: Sequence[str] | None = None, filters: dict[str, str] | None = None,
               stop: threading.Event | None = None) -> Generator[Waiting | Token | Final, None, None]:
        """Answer ``question``: :class:`Waiting` events while other questions use the model first,
        :class:`Token` events while the model writes, then one :class:`Final`. (A follow-up rewritten
        first, or an answer translated after its tokens, may wait for a turn too: more :class:`Waiting`.)

        ``passages`` answers from the given texts instead of the index (reading
        comprehension); ``filters`` restricts retrieval as in :meth:`retrieve`. Setting ``stop``
        ends the answer at once, without a :class:`Final`, and frees the model for the next
        question: the local model stops even in the middle of reading the prompt.
        """
        question = self._check_question(question)
        draft = _Draft(question, question, self._check_language(language) or detect_language(question), stop=stop)
        try:
            yield from self._answer(draft, history, passages, filters)
        except _Stopped:
            return

    def _answer(self, draft: _Draft, history: History | None, passages: Sequence[str] | None,
                filters: dict[str, str] | None) -> Iterator[Waiting | Token | Final]:
        question = draft.question
        turns = previous_turns(history)
        if turns and looks_like_followup(question):
            draft.query = yield from self._standalone(question, turns, draft)
        started = time.perf_counter()
        draft.passages = self._gather(draft.query, draft.language, passages, filters)
        s = self.settings
        draft.sources = select_evidence(draft.passages, max_sentences=s.evidence_sentences, margin=s.evidence_margin,
                                        max_chars=s.evidence_chars)
        draft.retrieval_s = time.perf_counter() - started

        gap = evidence_gap(draft.query, draft.passages, draft.sources, draft.language, s.min_evidence_score)
        if gap:
            answer = self._abstain(draft, gap, cover=not gap.startswith("best sentence similarity"))
            yield Token(answer.text)
            yield Final(answer)
            return

        messages = build_messages(draft.query, draft.sources, draft.language)
        turn = self.model_queue.take()
        try:
            yield from self._waiting(turn, draft.stop)
            pieces = []
            generation = self.llm.stream(messages, max_tokens=s.max_answer_tokens, temperature=s.temperature,
                                         stop=draft.stop)
            for piece in generation:
                pieces.append(piece)
                yield Token(piece)
            _check_stop(draft.stop)
            stats = generation.stats
        finally:
            self.model_queue.leave(turn)  # also when the consumer gave up while this question waited
        raw = yield from self._reasked("".join(pieces).strip(), draft)
        answer = yield from self._checked_answer(draft, raw)
        answer.stats = stats
        yield Final(answer)

    def ask(self, question: str, history: History | None = None, *, language: Language | None = None,
            passages: Sequence[str] | None = None, filters: dict[str, str] | None = None) -> Answer:
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
        """The answer's text in pieces as the model generates them (before citations are checked;
        use :meth:`ask` or :meth:`events` for the checked answer)."""
        for event in self.events(question, history, language=language):
            if isinstance(event, Token):
                yield event.text

    # Steps of an answer -------------------------------------------------------------
    def _waiting(self, turn: int, stop: threading.Event | None) -> Iterator[Waiting]:
        """Until ``turn`` comes: a :class:`Waiting` at once and every :data:`WAIT_POLL_S` seconds (so a
        consumer that stops iterating, or sets ``stop``, leaves the queue within that time), and
        ``Waiting(0)`` at the end."""
        waited = False
        while (ahead := self.model_queue.ahead(turn)) > 0:
            _check_stop(stop)
            waited = True
            yield Waiting(ahead)
            self.model_queue.wait(turn, WAIT_POLL_S)
        if waited:
            yield Waiting(0)

    def _generated(self, messages: list[Message], max_tokens: int, stop: threading.Event | None) -> Steps[str]:
        """The model's whole reply to ``messages`` (a rewrite, a translation), written in this question's
        turn: :class:`Waiting` events until the turn comes, as for the answer itself."""
        turn = self.model_queue.take()
        try:
            yield from self._waiting(turn, stop)
            reply = "".join(self.llm.stream(messages, max_tokens=max_tokens, temperature=0.0, stop=stop)).strip()
            _check_stop(stop)
            return reply
        finally:
            self.model_queue.leave(turn)

    def _standalone(self, question: str, turns: list[tuple[str, str]], draft: _Draft) -> Steps[str]:
        """A follow-up question rewritten to stand alone (by the model; joined to the last one if that fails)."""
        if self.settings.rewrite_followups:
            reply = yield from self._generated(rewrite_messages(question, turns), 64, draft.stop)
            rewritten = clean_rewrite(reply, question)
            if rewritten:
                draft.notes.append(f"follow-up read as: {rewritten}")
                return rewritten
        draft.notes.append("follow-up read together with the previous question")
        return joined_question(question, turns)

    def _gather(self, query: str, language: Language, texts: Sequence[str] | None,
                filters: dict[str, str] | None) -> list[Passage]:
        """The passages to answer from: retrieved, or made from ``texts``."""
        if texts is None:
            return self.retriever.retrieve(query, self.settings.top_k, language, filters)
        texts = [t for t in texts if t and t.strip()]
        if not texts:
            raise QuestionError("No passage text was given to answer from.")
        query_vector = self.embedder.embed_queries([query])[0]
        split = [split_sentences(text) or [text] for text in texts]
        all_scores = self.embedder.embed_passages([s for sentences in split for s in sentences]) @ query_vector
        passages, start = [], 0
        for i, (text, sentences) in enumerate(zip(texts, split, strict=True)):
            scores = all_scores[start:start + len(sentences)]
            start += len(sentences)
            scored = tuple(ScoredSentence(t, float(v), n)
                           for n, (t, v) in enumerate(zip(sentences, scores, strict=True)))
            passages.append(Passage(id=f"given#{i}", doc_id=f"given-{i + 1}", text=text, score=float(max(scores)),
                                    title=f"Passage {i + 1}", dense_score=float(max(scores)), sentences=scored))
        return passages

    def _reasked(self, raw: str, draft: _Draft) -> Steps[str]:
        """``raw``, or when it is a refusal of a question in another language than the sources, the
        model's answer in the sources' language (translated back later, like any drift).

        The small model refuses English questions over Indonesian sources that it answers when
        asked in Indonesian; verification and abstention then judge that answer like any other.
        """
        if (raw and not is_refusal(raw)) or not self.settings.reask_refusals or not draft.sources:
            return raw
        source_language = detect_language(draft.sources[0].text)
        if source_language == draft.language:
            return raw
        draft.notes.append(f"the model found no answer in {draft.language}: asked again in {source_language}")
        return (yield from self._generated(build_messages(draft.query, draft.sources, source_language),
                                           self.settings.max_answer_tokens, draft.stop))

    def _abstain(self, draft: _Draft, reason: str, cover: bool = True) -> Answer:
        """'The sources do not say', with the closest sentence quoted (and cited) when there is one."""
        closest = draft.sources[0] if cover and draft.sources else None
        text, cites = cover_message(draft.language, closest)
        citations = [self._citation(1, closest)] if cites and closest else []
        return Answer(text=text, citations=citations, language=draft.language, abstained=True,
                      question=draft.question, passages=draft.passages, retrieval_s=draft.retrieval_s,
                      notes=draft.notes + [f"abstained: {reason}"], evidence_score=draft.evidence_score)

    def _checked_answer(self, draft: _Draft, raw: str) -> Steps[Answer]:
        """The model's answer, verified sentence by sentence; or the extractive fallback; or an abstention."""
        if not raw or is_refusal(raw):
            return self._abstain(draft, "the model found no answer in the sources")
        kind = asks_for(draft.query)
        verified = verify_answer(raw, draft.sources, self.judge, draft.query)
        draft.notes.extend(verified.notes)
        sentences = verified.sentences
        best = draft.sources[0]
        quotable = best.score >= self.settings.fallback_min_score and gives(best.best, kind, draft.query)
        if sentences and draft.language != answer_language(" ".join(v.text for v in sentences)):
            translated = yield from self._in_language(sentences, draft)
            if translated:
                sentences = translated
            elif quotable:
                draft.notes.append("the answer is in the wrong language: answered with the best sentence, quoted")
                sentences = [VerifiedSentence(_quote(best.best, draft.language), (0,))]
            else:
                draft.notes.append("the answer is in the wrong language: answered with the source sentences "
                                   "it rests on, quoted")
                sentences = self._quoted_support(sentences, draft)
        if not sentences:
            if not quotable:
                return self._abstain(draft, "no sentence of the model's answer is supported by the sources")
            draft.notes.append("the model's answer failed verification: answered with the best sentence, quoted")
            sentences = [VerifiedSentence(_quote(best.best, draft.language), (0,))]
        text = " ".join(v.text for v in sentences)
        if not gives(text, kind, draft.query):
            return self._abstain(draft, f"the answer gives no {kind}, which the question asks for")
        numbered, order = renumber([(v.text, list(v.sources)) for v in sentences])
        citations = [self._citation(n, draft.sources[i]) for n, i in enumerate(order, start=1)]
        return Answer(text=numbered, citations=citations, language=draft.language, abstained=False,
                      question=draft.question, passages=draft.passages, retrieval_s=draft.retrieval_s,
                      notes=draft.notes, evidence_score=draft.evidence_score)

    def _quoted_support(self, sentences: list[VerifiedSentence], draft: _Draft) -> list[VerifiedSentence]:
        """For each verified sentence, the sentence of its first source closest to it, quoted and framed in the
        question's language: the answer's grounds, shown when the answer itself is in the wrong language."""
        quoted: list[VerifiedSentence] = []
        for v in sentences:
            if not v.sources:
                continue
            source = v.sources[0]
            sentence = self.judge.closest(v.text, draft.sources[source].sentences)
            text = _quote(sentence, draft.language)
            if sentence and all(q.text != text for q in quoted):
                quoted.append(VerifiedSentence(text, (source,)))
        return quoted

    def _in_language(self, sentences: list[VerifiedSentence], draft: _Draft) -> Steps[list[VerifiedSentence]]:
        """Sentences the model wrote in the wrong language, translated by it and verified again
        (empty when the translation fails)."""
        numbered, order = renumber([(v.text, list(v.sources)) for v in sentences])
        translated = yield from self._generated(translate_messages(numbered, draft.language),
                                                2 * self.settings.max_answer_tokens, draft.stop)
        subset = [draft.sources[i] for i in order]
        again = verify_answer(translated, subset, self.judge, draft.query)
        if again.sentences and answer_language(" ".join(v.text for v in again.sentences)) == draft.language:
            draft.notes.append(f"answer translated into {draft.language}")
            return [VerifiedSentence(v.text, tuple(order[j] for j in v.sources)) for v in again.sentences]
        draft.notes.append(f"the translation into {draft.language} failed verification")
        return []

    @staticmethod
    def _citation(number: int, source: PromptSource) -> Citation:
        return Citation(number=number, doc_id=source.doc_id, title=source.title, text=source.text,
                        passage_id=source.passage_ids[0] if source.passage_ids else "", publisher=source.publisher,
                        date=source.date, quotes=source.sentences)


    # Library and per-session settings (for the UI) -----------------------------------
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
                             "collection", "chunk_size", "chunk_overlap", "threads", "allowed_hosts"})
#: Settings that make the retriever and the grounding judge (a session changing one gets its own).
RETRIEVER_SETTINGS = ("candidates", "duplicate_threshold", "sentence_weight_id", "bm25_weight_id",
                      "sentence_weight_en", "bm25_weight_en")
JUDGE_SETTINGS = ("support_threshold", "support_threshold_cross")


def _llm_key(settings: Settings) -> tuple:
    """The settings that choose the language model: a local file, or a model on a server."""
    return settings.llm, settings.llm_base_url, settings.llm_model, settings.llm_api_key, settings.context_window


def _quote(sentence: str, language: Language) -> str:
    """The extractive answer: a source sentence, quoted, framed in the question's language."""
    frame = {"id": "Menurut sumber: “{}”", "en": "According to the sources (in Indonesian): “{}”"}[language]
    return frame.format(as_quotation(strip_citations(sentence)))
