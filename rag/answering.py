"""The answer path: a question in; events while it is answered; a checked answer, or an abstention, out.

Stages, each taking plain inputs and returning a typed result:

1. :meth:`AnswerPipeline.evidence`: the passages (retrieved, or given) and the sentences the model
   will see, as :class:`Evidence`;
2. :func:`rag.abstention.before_model`: an :class:`~rag.abstention.Abstention` when there is no
   evidence close enough to try, without asking the model;
3. :meth:`AnswerPipeline.draft`: the model's reply, as a :class:`Draft`; at its first token,
   :func:`rag.abstention.not_answerable` weighs the evidence and the model's own probability of the
   not-found reply: an abstention, or an answer the model must write (not the not-found reply);
4. :meth:`AnswerPipeline.checked`: the reply verified sentence by sentence, in the question's
   language, with :mod:`rag.abstention` deciding when nothing usable is left;
5. an :class:`~rag.answer.Answer`.

Every decision to abstain is in :mod:`rag.abstention`; this module only follows them. The model is
shared: a step that uses it takes a turn in the :class:`~rag.model_queue.ModelQueue` and yields
:class:`Waiting` until the turn comes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol, TypeVar

from index import Embedder
from index.sentences import split_sentences
from rag.abstention import (
    ANSWERABILITY,
    LIBRARY_ANSWERABILITY,
    Abstention,
    Answerability,
    Reason,
    Signals,
    as_quotation,
    before_model,
    cover_message,
    is_refusal,
    missing_terms,
    model_found_nothing,
    not_answerable,
    question_language,
    quotable,
    restriction_message,
    unsupported,
    wrong_kind,
)
from rag.answer import Answer, Citation
from rag.citations import renumber, strip_citations
from rag.confidence import CONFIDENCE, LIBRARY_CONFIDENCE, Confidence, first_sentence_log_probability
from rag.errors import QuestionError
from rag.evidence import PromptSource, select_evidence
from rag.followup import History, clean_rewrite, joined_question, looks_like_followup, previous_turns
from rag.grounding import GroundingJudge
from rag.language import Language, answer_language, detect_language
from rag.library_prompt import WholeLibrary
from rag.llm import ChatModel, Generation, GenerationStats, Message
from rag.model_queue import ModelQueue
from rag.prompting import (
    NOT_FOUND,
    build_library_messages,
    build_messages,
    question_translation_messages,
    rewrite_messages,
    translate_messages,
)
from rag.retrieval import Filters, HybridRetriever, Passage, ScoredSentence
from rag.settings import Settings
from rag.verification import SentenceChecker, Verification, VerifiedSentence, verify_answer

#: How often (seconds) a question waiting for the model says how many are ahead of it.
WAIT_POLL_S = 0.5


@dataclass(frozen=True)
class Token:
    """A piece of the checked answer: a sentence the sources support, with its final ``[n]`` markers,
    given as soon as the model has finished it and it has passed the check. Joined, the tokens of an
    answer are its :class:`Final` text (an abstention or a fallback comes as one token at the end)."""

    text: str


@dataclass(frozen=True)
class Checking:
    """The model has begun to write: its sentences are being checked against the sources (each comes as a
    :class:`Token` once it has passed)."""


@dataclass(frozen=True)
class Waiting:
    """The model is busy with other questions: ``ahead`` of them come before this one (0: its turn
    has come). Sent again every :data:`WAIT_POLL_S` seconds while it waits: before the answer, and
    also before a follow-up is rewritten or an answer translated, each of which takes a turn."""

    ahead: int


@dataclass(frozen=True)
class Final:
    """The checked answer, after the last token."""

    answer: Answer


Event = Waiting | Checking | Token | Final
_T = TypeVar("_T")
#: A step that uses the model: :class:`Waiting` events until its turn, then its result (``x = yield from step``).
Steps = Generator[Waiting, None, _T]


class Parts(Protocol):
    """What the pipeline answers with; :class:`rag.Assistant` is one (its parts load on first use)."""

    @property
    def retriever(self) -> HybridRetriever: ...

    @property
    def embedder(self) -> Embedder: ...

    @property
    def llm(self) -> ChatModel: ...

    @property
    def judge(self) -> GroundingJudge: ...

    @property
    def library(self) -> WholeLibrary: ...


@dataclass
class Evidence:
    """What a question is answered from."""

    question: str  # as asked
    query: str  # standalone (a follow-up rewritten)
    language: Language
    passages: list[Passage] = field(default_factory=list)
    sources: list[PromptSource] = field(default_factory=list)
    retrieval_s: float = 0.0
    notes: list[str] = field(default_factory=list)
    filters: Filters | None = None  # the restriction retrieval was under
    #: Every chunk of the library, when the whole library is the prompt's sources (:mod:`rag.library_prompt`);
    #: ``sources`` are then still the evidence retrieval found: its signals, and what an abstention shows.
    library: list[PromptSource] | None = None

    @property
    def score(self) -> float | None:
        """The best evidence sentence's similarity to the question (None: no evidence)."""
        return max((s.score for s in self.sources), default=None)

    @property
    def prompt_sources(self) -> list[PromptSource]:
        """The numbered sources the model is shown and its answer is checked against."""
        return self.library if self.library is not None else self.sources

    def best_source(self) -> tuple[int, PromptSource]:
        """The source holding the best evidence sentence: its index among :attr:`prompt_sources`, and the
        retrieved source (whose ``best`` is that sentence)."""
        best = self.sources[0]
        if self.library is None:
            return 0, best
        holding = [i for i, s in enumerate(self.library) if best.best in s.sentences]
        return (holding or [i for i, s in enumerate(self.library) if s.doc_id == best.doc_id])[0], best


@dataclass
class Shown:
    """The checked sentences given to the asker so far (as :class:`Token` events) and their text;
    ``held``: sentences that passed the check but are not shown yet (the answer does not yet give what
    the question asks for, or a sentence came in another language than the question's: ``closed``)."""

    sentences: list[VerifiedSentence] = field(default_factory=list)
    held: list[VerifiedSentence] = field(default_factory=list)
    text: str = ""
    closed: bool = False


@dataclass(frozen=True)
class Draft:
    """The model's reply to the evidence, checked as it was written (``verification``; None when the reply
    was asked again and is checked afterwards), with what of it was shown; or, when the sources do not
    answer by the calibrated signals, the abstention decided at its first token (the reply goes no further)."""

    text: str
    stats: GenerationStats
    signals: Signals
    answerability: float
    abstention: Abstention | None = None
    verification: Verification | None = None
    shown: Shown = field(default_factory=Shown)


@dataclass(frozen=True)
class Calibration:
    """The calibrated decisions for one kind of answer prompt: whether the sources answer (model and least
    probability) and whether the written answer is right (model and least probability; 0: no such check)."""

    answerability: Answerability
    min_answerability: float
    confidence: Confidence
    min_confidence: float


class Stopped(Exception):
    """The asker set the stop event: the answer ends where it is."""


def _check_stop(stop: threading.Event | None) -> None:
    if stop is not None and stop.is_set():
        raise Stopped


class AnswerPipeline:
    """One question's way to an answer, over the parts of an assistant and its queue at the model."""

    def __init__(self, settings: Settings, parts: Parts, queue: ModelQueue, stop: threading.Event | None = None,
                 answerability: Answerability = ANSWERABILITY, confidence: Confidence = CONFIDENCE,
                 library_answerability: Answerability = LIBRARY_ANSWERABILITY,
                 library_confidence: Confidence = LIBRARY_CONFIDENCE) -> None:
        self.settings = settings
        self.parts = parts
        self.queue = queue
        self.stop = stop
        self.calibration = Calibration(answerability, settings.min_answerability, confidence,
                                       settings.min_confidence)
        #: For the prompt that holds the whole library (its own models and thresholds).
        self.library_calibration = Calibration(library_answerability, settings.library_min_answerability,
                                               library_confidence, settings.library_min_confidence)

    def events(self, question: str, language: Language, history: History | None = None,
               passages: Sequence[str] | None = None, filters: Filters | None = None) -> Iterator[Event]:
        """:class:`Waiting` and :class:`Token` events, then one :class:`Final` (none once ``stop`` is set)."""
        try:
            unreadable = question_language(question)  # before anything is retrieved or asked of the model
            if unreadable is not None:
                answer = self.abstained(Evidence(question, question, language), unreadable)
                yield Token(answer.text)
                yield Final(answer)
                return
            evidence = yield from self.evidence(question, language, history, passages, filters)
            abstention = before_model(evidence.query, evidence.passages, evidence.sources, evidence.language,
                                      self.settings.min_evidence_score, restricted=bool(evidence.filters))
            if abstention is not None:
                answer = self.abstained(evidence, abstention)
                yield Token(answer.text)
                yield Final(answer)
                return
            draft = yield from self.draft(evidence)
            answer = yield from self.checked(evidence, draft)
            shown = draft.shown.text
            if answer.text.startswith(shown):
                if answer.text[len(shown):]:
                    yield Token(answer.text[len(shown):])
            else:  # not expected: what was shown stays the answer's start by construction (see _show)
                answer.notes.append("the answer changed after its first sentences were shown")
            yield Final(answer)
        except Stopped:
            return

    # 1. Evidence ------------------------------------------------------------------------------
    def evidence(self, question: str, language: Language, history: History | None,
                 texts: Sequence[str] | None, filters: Filters | None) -> Generator[Event, None, Evidence]:
        """The passages and the sentences the model will see (a follow-up made standalone first)."""
        evidence = Evidence(question, question, language, filters=(filters or None) if texts is None else None)
        turns = previous_turns(history)
        if turns and looks_like_followup(question):
            evidence.query = yield from self._standalone(question, turns, evidence.notes)
        started = time.perf_counter()
        evidence.passages = self._passages(evidence.query, language, texts, filters)
        evidence.sources = self._sources(evidence.passages)
        if texts is None and not filters and self.settings.library_in_prompt > 0:
            library = self.parts.library.sources(self.parts.retriever.store,
                                                 getattr(self.parts.llm, "count_tokens", None))
            if library is not None and {s.doc_id for s in evidence.sources} <= {s.doc_id for s in library}:
                evidence.library = library
                articles = len({s.doc_id for s in library})
                evidence.notes.append(f"the whole library ({articles} articles, {len(library)} passages) is the "
                                      "prompt's sources")
        evidence.retrieval_s = time.perf_counter() - started
        return evidence

    def _standalone(self, question: str, turns: list[tuple[str, str]], notes: list[str]) -> Steps[str]:
        """A follow-up question rewritten to stand alone (by the model; joined to the last one if that fails)."""
        if self.settings.rewrite_followups:
            reply = yield from self._generated(rewrite_messages(question, turns), 64)
            rewritten = clean_rewrite(reply, question)
            if rewritten:
                notes.append(f"follow-up read as: {rewritten}")
                return rewritten
        notes.append("follow-up read together with the previous question")
        return joined_question(question, turns)

    def _passages(self, query: str, language: Language, texts: Sequence[str] | None,
                  filters: Filters | None) -> list[Passage]:
        """The passages to answer from: retrieved, or made from ``texts``."""
        if texts is None:
            return self.parts.retriever.retrieve(query, self.settings.top_k, language, filters)
        texts = [t for t in texts if t and t.strip()]
        if not texts:
            raise QuestionError("No passage text was given to answer from.")
        embedder = self.parts.embedder
        query_vector = embedder.embed_queries([query])[0]
        split = [split_sentences(text) or [text] for text in texts]
        all_scores = embedder.embed_passages([s for sentences in split for s in sentences]) @ query_vector
        passages, start = [], 0
        for i, (text, sentences) in enumerate(zip(texts, split, strict=True)):
            scores = all_scores[start:start + len(sentences)]
            start += len(sentences)
            scored = tuple(ScoredSentence(t, float(v), n) for n, (t, v) in enumerate(zip(sentences, scores,
                                                                                           strict=True)))
            passages.append(Passage(id=f"given#{i}", doc_id=f"given-{i + 1}", text=text, score=float(max(scores)),
                                    title=f"Passage {i + 1}", dense_score=float(max(scores)), sentences=scored))
        return passages

    # 3. The model's draft ---------------------------------------------------------------------
    def draft(self, evidence: Evidence) -> Generator[Event, None, Draft]:
        """The model's reply, checked sentence by sentence as it is written: :class:`Checking` when it
        begins, then a :class:`Token` for each sentence that passes (see :meth:`_show`).

        At its first token the answerability of the evidence is known (:func:`rag.abstention.not_answerable`):
        when the sources answer, the model may not open with the not-found reply; when they do not, the
        reply stops there and the draft carries the abstention. A refusal of a question in another language
        than the sources is asked again in theirs (when ``reask_refusals`` is set)."""
        s = self.settings
        c = self.calibration if evidence.library is None else self.library_calibration
        before = Signals(evidence.score or 0.0,
                         len(missing_terms(evidence.query, evidence.passages, evidence.language)))

        def answerable(not_found: float | None) -> bool:
            signals = replace(before, not_found_probability=not_found)
            return not_answerable(signals, c.min_answerability, c.answerability) is None

        def with_model(generation: Generation) -> Signals:
            return replace(before, not_found_probability=generation.opening.probability,
                           not_found_likeliest=generation.opening.likeliest)

        translation = yield from self._translated_question(evidence)
        messages = self._messages(evidence, evidence.language, translation)
        checker = SentenceChecker(evidence.prompt_sources, self.parts.judge, evidence.query)
        shown = Shown()
        turn = self.queue.take()
        abstention = None
        try:
            yield from self._waiting(turn)
            pieces: list[str] = []
            generation = self.parts.llm.stream(messages, max_tokens=s.max_answer_tokens, temperature=s.temperature,
                                               stop=self.stop, opening=NOT_FOUND, forbid_opening=answerable)
            sure = False  # the confidence in the first sentence was checked (when it is complete)
            for piece in generation:
                if not pieces:  # the first step has been taken: its signal is known
                    abstention = not_answerable(with_model(generation), c.min_answerability, c.answerability)
                    if abstention is not None:
                        generation.close()
                        break
                    yield Checking()
                pieces.append(piece)
                passed = checker.feed(piece)
                if not sure and checker.checked:  # the first sentence is complete: before any of it is shown
                    sure, abstention = True, self._unsure(generation, with_model(generation), c)
                    if abstention is not None:
                        generation.close()
                        break
                for verified in passed:
                    yield from self._show(verified, evidence, shown, checker.text)
            _check_stop(self.stop)
        finally:
            self.queue.leave(turn)  # also when the consumer gave up while this question waited
        signals = with_model(generation)
        probability = c.answerability.probability(signals)
        if abstention is None and not sure and pieces:  # a reply of one sentence: complete now
            abstention = self._unsure(generation, signals, c)
        if abstention is not None:
            return Draft("", generation.stats, signals, probability, abstention, shown=shown)
        raw = "".join(pieces).strip()
        text = yield from self._reasked(raw, evidence)
        if text != raw:  # asked again: checked as a whole afterwards
            return Draft(text, generation.stats, signals, probability, shown=shown)
        for verified in checker.finish():
            yield from self._show(verified, evidence, shown, checker.text)
        return Draft(text, generation.stats, signals, probability, verification=checker.result, shown=shown)

    def _messages(self, evidence: Evidence, language: Language,
                  translation: tuple[Language, str] | None = None) -> list[Message]:
        """The answer prompt: over the whole library when it is the sources, else over the evidence."""
        if evidence.library is not None:
            return build_library_messages(evidence.query, evidence.library, language, translation)
        return build_messages(evidence.query, evidence.sources, language, self.settings.demonstrations, translation)

    def _unsure(self, generation: Generation, signals: Signals, c: Calibration) -> Abstention | None:
        """An abstention when the model was too unsure of its reply's first sentence (:mod:`rag.confidence`);
        None when sure enough, when the check is off (``min_confidence`` 0), or when the model gives no
        probabilities (a server)."""
        threshold = c.min_confidence
        first = first_sentence_log_probability(generation.stats.pieces, generation.stats.token_probabilities)
        if threshold <= 0.0 or first is None:
            return None
        confidence = c.confidence.probability(c.answerability.probability(signals), first)
        if confidence >= threshold:
            return None
        return Abstention(Reason.UNSURE, f"confidence {confidence:.3f} < {threshold:.3f} (first sentence's mean "
                                         f"log-probability {first:.2f})")

    def _translated_question(self, evidence: Evidence) -> Steps[tuple[Language, str] | None]:
        """The question in the sources' language, when it is in another and ``bilingual_question`` is set
        (by the model; None when the translation is empty or the same text)."""
        if not self.settings.bilingual_question or not evidence.sources:
            return None
        source_language = detect_language(" ".join(source.text for source in evidence.sources))
        if source_language == evidence.language:
            return None
        reply = yield from self._generated(question_translation_messages(evidence.query, source_language), 64)
        text = clean_rewrite(reply, evidence.query)
        if not text or detect_language(text) != source_language:
            evidence.notes.append(f"the question's translation into {source_language} was not used: {reply[:80]!r}")
            return None
        evidence.notes.append(f"question also given in {source_language}: {text}")
        return source_language, text

    def _show(self, verified: VerifiedSentence, evidence: Evidence, shown: Shown, reply: str) -> Iterator[Token]:
        """Give ``verified`` (a sentence that passed the check) to the asker, with the held ones before it,
        once the answer so far gives what the question asks for; never in another language than the
        question's (from such a sentence on, nothing more is shown before the end: :meth:`checked` decides)
        and never while the reply is the not-found reply. Shown text is never taken back: the final answer
        is what was shown, and maybe more."""
        shown.held.append(verified)
        if shown.closed or is_refusal(reply):
            return
        if answer_language(verified.text) != evidence.language:
            shown.closed = True
            return
        candidate = shown.sentences + shown.held
        if wrong_kind(" ".join(v.text for v in candidate), evidence.query) is not None:
            return
        text, _ = renumber([(v.text, list(v.sources)) for v in candidate])
        piece = text[len(shown.text):]
        shown.sentences, shown.held, shown.text = candidate, [], text
        yield Token(piece)

    def _reasked(self, raw: str, evidence: Evidence) -> Steps[str]:
        """``raw``, or when it is a refusal of a question in another language than the sources, the
        model's answer in the sources' language (translated back later, like any drift).

        The small model refuses English questions over Indonesian sources that it answers when
        asked in Indonesian; verification and abstention then judge that answer like any other.
        """
        if (raw and not is_refusal(raw)) or not self.settings.reask_refusals or not evidence.sources:
            return raw
        source_language = detect_language(evidence.sources[0].text)
        if source_language == evidence.language:
            return raw
        evidence.notes.append(f"the model found no answer in {evidence.language}: asked again in {source_language}")
        return (yield from self._generated(self._messages(evidence, source_language),
                                           self.settings.max_answer_tokens))

    # 4. The checked answer -----------------------------------------------------------------------
    def checked(self, evidence: Evidence, draft: Draft) -> Steps[Answer]:
        """The draft verified sentence by sentence and in the question's language; or the best sentence,
        quoted; or an abstention (:mod:`rag.abstention` decides)."""
        if draft.abstention is not None:
            return self.abstained(evidence, draft.abstention, draft)
        if not draft.shown.sentences and (not draft.text or is_refusal(draft.text)):
            return self.abstained(evidence, model_found_nothing(), draft)
        verified = draft.verification or verify_answer(draft.text, evidence.prompt_sources, self.parts.judge,
                                                       evidence.query)
        evidence.notes.extend(verified.notes)
        sentences = verified.sentences
        best_index, best = evidence.best_source()
        can_quote = quotable(best, evidence.query, self.settings.fallback_min_score)
        if draft.shown.sentences:  # some are on screen: the answer is those, and the rest in the question's language
            rest = [v for v in sentences[len(draft.shown.sentences):]
                    if answer_language(v.text) == evidence.language]
            if len(rest) < len(sentences) - len(draft.shown.sentences):
                evidence.notes.append("sentences in another language than the question's were left out")
            sentences = draft.shown.sentences + rest
        elif sentences and evidence.language != answer_language(" ".join(v.text for v in sentences)):
            translated = yield from self._in_language(sentences, evidence)
            if translated:
                sentences = translated
            elif can_quote:
                evidence.notes.append("the answer is in the wrong language: answered with the best sentence, "
                                      "quoted")
                sentences = [VerifiedSentence(_quote(best.best, evidence.language), (best_index,))]
            else:
                evidence.notes.append("the answer is in the wrong language: answered with the source sentences "
                                      "it rests on, quoted")
                sentences = self._quoted_support(sentences, evidence)
        if not sentences:
            if not can_quote:
                return self.abstained(evidence, unsupported(), draft)
            evidence.notes.append("the model's answer failed verification: answered with the best sentence, quoted")
            sentences = [VerifiedSentence(_quote(best.best, evidence.language), (best_index,))]
        text = " ".join(v.text for v in sentences)
        asked_otherwise = wrong_kind(text, evidence.query)
        if asked_otherwise is not None:
            evidence.notes.append(f"the checked answer was: {text}")
            return self.abstained(evidence, asked_otherwise, draft)
        numbered, order = renumber([(v.text, list(v.sources)) for v in sentences])
        citations = [_citation(n, evidence.prompt_sources[i]) for n, i in enumerate(order, start=1)]
        return Answer(text=numbered, citations=citations, language=evidence.language, abstained=False,
                      question=evidence.question, passages=evidence.passages, retrieval_s=evidence.retrieval_s,
                      notes=evidence.notes, evidence_score=evidence.score, stats=draft.stats, signals=draft.signals,
                      answerability=draft.answerability, filters=_plain_filters(evidence.filters))

    def _quoted_support(self, sentences: list[VerifiedSentence], evidence: Evidence) -> list[VerifiedSentence]:
        """For each verified sentence, the sentence of its first source closest to it, quoted and framed in the
        question's language: the answer's grounds, shown when the answer itself is in the wrong language."""
        quoted: list[VerifiedSentence] = []
        for v in sentences:
            if not v.sources:
                continue
            source = v.sources[0]
            sentence = self.parts.judge.closest(v.text, evidence.prompt_sources[source].sentences)
            text = _quote(sentence, evidence.language)
            if sentence and all(q.text != text for q in quoted):
                quoted.append(VerifiedSentence(text, (source,)))
        return quoted

    def _in_language(self, sentences: list[VerifiedSentence], evidence: Evidence) -> Steps[list[VerifiedSentence]]:
        """Sentences the model wrote in the wrong language, translated by it and verified again
        (empty when the translation fails)."""
        numbered, order = renumber([(v.text, list(v.sources)) for v in sentences])
        translated = yield from self._generated(translate_messages(numbered, evidence.language),
                                                2 * self.settings.max_answer_tokens)
        subset = [evidence.prompt_sources[i] for i in order]
        again = verify_answer(translated, subset, self.parts.judge, evidence.query)
        if again.sentences and answer_language(" ".join(v.text for v in again.sentences)) == evidence.language:
            evidence.notes.append(f"answer translated into {evidence.language}")
            return [VerifiedSentence(v.text, tuple(order[j] for j in v.sources)) for v in again.sentences]
        evidence.notes.append(f"the translation into {evidence.language} failed verification")
        return []

    def abstained(self, evidence: Evidence, abstention: Abstention, draft: Draft | None = None) -> Answer:
        """'The sources do not say' (or, when an answer was looked for, that none could be confirmed), with the
        closest sentence quoted (and cited) when the abstention allows (``draft``: the model's reply, when it was
        asked: what it cost is kept)."""
        closest = evidence.sources[0] if abstention.cover and evidence.sources else None
        text, cites = ((abstention.message, False) if abstention.message
                       else cover_message(evidence.language, closest, abstention.reason))
        if evidence.filters:  # say whether the restriction is why nothing was found
            elsewhere = self._answerable_elsewhere(evidence)
            evidence.notes.append("without the restriction: " + ("evidence close enough to try" if elsewhere
                                                                else "no better evidence"))
            extra = restriction_message(evidence.language, abstention.reason, elsewhere)
            text = extra if abstention.reason is Reason.NOTHING_CHOSEN else f"{text} {extra}"
        citations = [_citation(1, closest)] if cites and closest else []
        return Answer(text=text, citations=citations, language=evidence.language, abstained=True,
                      question=evidence.question, passages=evidence.passages, retrieval_s=evidence.retrieval_s,
                      notes=evidence.notes + [f"abstained: {abstention.detail}"], evidence_score=evidence.score,
                      abstention=abstention.reason, stats=draft.stats if draft else GenerationStats(),
                      signals=draft.signals if draft else None, answerability=draft.answerability if draft else None,
                      filters=_plain_filters(evidence.filters))

    def _sources(self, passages: list[Passage]) -> list[PromptSource]:
        """The sentences of ``passages`` the model is shown (:func:`rag.evidence.select_evidence`, as set)."""
        s = self.settings
        return select_evidence(passages, max_sentences=s.evidence_sentences, margin=s.evidence_margin,
                               max_chars=s.evidence_chars)

    def _answerable_elsewhere(self, evidence: Evidence) -> bool:
        """Whether the articles a restriction left out hold evidence close enough to try (no abstention
        before the model) and better than the chosen articles': one more retrieval, no model."""
        passages = self.parts.retriever.retrieve(evidence.query, self.settings.top_k, evidence.language, None)
        s = self.settings
        sources = self._sources(passages)
        if before_model(evidence.query, passages, sources, evidence.language, s.min_evidence_score) is not None:
            return False
        best = max(source.score for source in sources)
        return evidence.score is None or best > evidence.score

    # Turns at the model ----------------------------------------------------------------------------
    def _waiting(self, turn: int) -> Iterator[Waiting]:
        """Until ``turn`` comes: a :class:`Waiting` at once and every :data:`WAIT_POLL_S` seconds (so a
        consumer that stops iterating, or sets ``stop``, leaves the queue within that time), and
        ``Waiting(0)`` at the end."""
        waited = False
        while (ahead := self.queue.ahead(turn)) > 0:
            _check_stop(self.stop)
            waited = True
            yield Waiting(ahead)
            self.queue.wait(turn, WAIT_POLL_S)
        if waited:
            yield Waiting(0)

    def _generated(self, messages: list[Message], max_tokens: int) -> Steps[str]:
        """The model's whole reply to ``messages`` (a rewrite, a translation), written in this question's
        turn: :class:`Waiting` events until the turn comes, as for the answer itself."""
        turn = self.queue.take()
        try:
            yield from self._waiting(turn)
            reply = "".join(self.parts.llm.stream(messages, max_tokens=max_tokens, temperature=0.0,
                                                  stop=self.stop)).strip()
            _check_stop(self.stop)
            return reply
        finally:
            self.queue.leave(turn)


def _plain_filters(filters: Filters | None) -> dict[str, str | list[str]] | None:
    """A restriction as the answer keeps it: plain strings and lists (JSON as it is)."""
    if not filters:
        return None
    return {k: v if isinstance(v, str) else [str(x) for x in v] for k, v in filters.items()}


def _citation(number: int, source: PromptSource) -> Citation:
    return Citation(number=number, doc_id=source.doc_id, title=source.title, text=source.text,
                    passage_id=source.passage_ids[0] if source.passage_ids else "", publisher=source.publisher,
                    date=source.date, quotes=source.sentences, url=source.url, file=source.file, pages=source.pages)


def _quote(sentence: str, language: Language) -> str:
    """The extractive answer: a source sentence, quoted, framed in the question's language."""
    frame = {"id": "Menurut sumber: “{}”", "en": "According to the sources (in Indonesian): “{}”"}[language]
    return frame.format(as_quotation(strip_citations(sentence)))
