"""What `Assistant.ask` returns: an answer with numbered citations."""

from __future__ import annotations

from dataclasses import dataclass, field

from rag.abstention import UNCONFIRMED, Reason, Signals
from rag.language import Language
from rag.llm import GenerationStats
from rag.retrieval import Passage


@dataclass(frozen=True)
class Citation:
    """Source ``[number]`` of an answer: the passage it points to, in its article."""

    number: int
    doc_id: str
    title: str
    text: str
    passage_id: str = ""
    publisher: str | None = None
    date: str | None = None
    #: The sentences of the article this citation rests on, verbatim (for highlighting).
    quotes: tuple[str, ...] = ()
    #: Where the article came from: its address on the web (when its file gave one), the file it was
    #: indexed from, and for a PDF the pages the cited sentences are on (1-based).
    url: str | None = None
    file: str | None = None
    pages: tuple[int, ...] = ()


@dataclass
class Answer:
    """An answer. Every ``[n]`` in ``text`` has its :class:`Citation` with ``number == n`` in ``citations``."""

    text: str
    citations: list[Citation]
    language: Language
    abstained: bool
    question: str = ""
    passages: list[Passage] = field(default_factory=list)  # what the model was shown
    stats: GenerationStats = field(default_factory=GenerationStats)
    retrieval_s: float = 0.0
    notes: list[str] = field(default_factory=list)  # what verification changed, for the curious
    #: Similarity of the best evidence sentence to the question (None: no evidence at all). Below
    #: ``settings.min_evidence_score`` the answer is an abstention; the eval sweeps it as a curve.
    evidence_score: float | None = None
    #: Why the answer is an abstention (None: it is not one).
    abstention: Reason | None = None
    #: What told whether the sources answer, and the calibrated probability that they do (None: the
    #: model was not asked).
    signals: Signals | None = None
    answerability: float | None = None
    #: The restriction the question was asked under (``filters`` of :meth:`Assistant.ask`), None: none.
    filters: dict[str, str | list[str]] | None = None

    @property
    def unconfirmed(self) -> bool:
        """An abstention decided after the model was asked (its refusal, answerability, confidence or the check
        of its answer): no answer could be confirmed, though the sources may hold one. False for an answer and
        for an abstention decided from the evidence alone (the sources hold nothing close)."""
        return self.abstained and self.abstention in UNCONFIRMED

    def with_sources(self) -> str:
        """The answer followed by its numbered sources, as plain text."""
        lines = [self.text]
        if self.citations:
            lines.append("")
            for c in self.citations:
                origin = ", ".join(x for x in (c.publisher, c.date) if x)
                lines.append(f"[{c.number}] {c.title}" + (f" ({origin})" if origin else "") + f" — {c.doc_id}")
        return "\n".join(lines)
