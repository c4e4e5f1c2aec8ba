"""Check every sentence of the model's answer against the sources before anyone sees it.

A citation that does not support its sentence is moved to the source that does,
or removed; a sentence no source supports (a number no source states, a name no
source names, a claim no source makes) is dropped. What is left is renumbered
1..N by first appearance, so every ``[n]`` has exactly one source.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from rag.citations import answer_sentences, cited_numbers, strip_citations
from rag.evidence import PromptSource
from rag.grounding import GroundingJudge
from rag.injection import instruction_like
from rag.language import detect_language
from rag.order_detector import order_detector
from rag.terms import added_words, name_present, names_in, restates, written_in


@dataclass(frozen=True)
class VerifiedSentence:
    text: str  # without markers
    sources: tuple[int, ...]  # 0-based indexes of the sources that support it


@dataclass
class Verification:
    sentences: list[VerifiedSentence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was changed, for the curious


#: A sentence this short ("Minggu (17/9).") is a bare answer: it is judged together with the question, and on
#: what it adds to the question (:func:`rag.terms.added_words`, :func:`unwritten`).
SHORT_ANSWER_WORDS = 5


def bare(sentence: str, question: str | None) -> bool:
    """Whether ``sentence`` (without markers) is a bare answer to ``question``."""
    return bool(question) and len(sentence.split()) < SHORT_ANSWER_WORDS


def unwritten(added: list[str], passage: str) -> list[str]:
    """The words a bare answer adds (:func:`rag.terms.added_words`) that ``passage`` does not write. A bare answer
    is a piece of its source ("Oleg Kozhemyako", "74 juta jiwa"), so what it adds must be there: the question around it,
    which the similarity of question and answer mostly measures, is no evidence for it ("I HAVE BEEN HACKED").
    An English word the Indonesian source writes in translation ("capital" for "ibu kota") is not there either:
    read in context, a word's closest counterpart is too often a name ("hacked" and "governor" score 0.77 and
    0.80 against "Kozhemyako"), so such an answer falls to the quoted best sentence or an abstention."""
    lower = passage.lower()
    return [w for w in added if not written_in(w, lower)]


def premise(question: str | None, sources: list[PromptSource]) -> frozenset[str]:
    """The question's names that some source names: what the question takes as given ("the Cibodas
    Botanical Garden"), which an answer may repeat without each cited passage naming it again. A name
    no source has (a false premise, "Blue Pi" for "Hua Pi") is not given: the answer must not assert it."""
    if not question:
        return frozenset()
    everything = " ".join(s.text for s in sources)
    translated = detect_language(question) != detect_language(everything)
    return frozenset(n for n in names_in(question, first=True)
                     if name_present(n, everything.lower(), translated=translated))


def verify_answer(raw_answer: str, sources: list[PromptSource], judge: GroundingJudge,
                  question: str | None = None) -> Verification:
    """The sentences of ``raw_answer`` that the sources support, each with the sources that do.

    A bare answer ("Oleg Kozhemyako.") says nothing alone, so it is checked as
    ``question + answer``: a date from a source about something else is not support; and what it adds to
    the question must be written in the source (:func:`unwritten`).
    """
    checker = SentenceChecker(sources, judge, question)
    checker.feed(raw_answer)
    checker.finish()
    return checker.result


class SentenceChecker:
    """Checks an answer sentence by sentence while the model writes it: :meth:`feed` the model's pieces
    and get back each sentence that is complete and supported, :meth:`finish` at the end for the last.
    What it gives back, in order, and :attr:`result` are what :func:`verify_answer` gives for the whole
    text (a sentence is complete once the next one has begun, so its citations are known)."""

    def __init__(self, sources: list[PromptSource], judge: GroundingJudge, question: str | None = None) -> None:
        self.sources, self.judge, self.question = sources, judge, question
        self.given = premise(question, sources)
        self.result = Verification()
        self._text = ""
        self._checked = 0  # sentences of the text checked so far

    @property
    def text(self) -> str:
        """The model's reply so far, as written."""
        return self._text

    @property
    def checked(self) -> int:
        """How many of the reply's sentences are complete and checked so far."""
        return self._checked

    def feed(self, piece: str) -> list[VerifiedSentence]:
        """Add ``piece`` of the reply; the sentences it completed that the sources support."""
        self._text += piece
        return self._check(answer_sentences(self._text)[:-1])

    def finish(self) -> list[VerifiedSentence]:
        """The reply is complete: its last sentence, when supported (and any not checked yet)."""
        return self._check(answer_sentences(self._text))

    def _check(self, sentences: list[str]) -> list[VerifiedSentence]:
        passed = []
        for n in range(self._checked, len(sentences)):
            verified = self._one(n + 1, sentences[n])
            if verified is not None:
                passed.append(verified)
        self._checked = max(self._checked, len(sentences))
        return passed

    def _one(self, n: int, sentence: str) -> VerifiedSentence | None:
        sources, judge, question, given, result = self.sources, self.judge, self.question, self.given, self.result
        plain = strip_citations(sentence)
        if not plain or not any(ch.isalnum() for ch in plain):
            return None
        claimed = list(dict.fromkeys(c - 1 for c in cited_numbers(sentence)))
        missing = [c + 1 for c in claimed if not 0 <= c < len(sources)]
        if missing:
            result.notes.append(f"sentence {n}: removed [n] with no source: {missing}")
        claimed = [c for c in claimed if 0 <= c < len(sources)]
        if question is not None and restates(plain, question):
            result.notes.append(f"sentence {n} dropped: it only repeats the question: {plain[:80]}")
            return None
        is_bare = question is not None and bare(plain, question)
        added = added_words(plain, question) if is_bare and question else []
        claim = f"{question} {plain}" if is_bare else plain
        verdicts = [judge.judge(claim, s.text, given) for s in sources]
        verdicts = [replace(v, supported=False) if v.supported and unwritten(added, s.text) else v
                    for v, s in zip(verdicts, sources, strict=True)]
        supporting = [j for j, v in enumerate(verdicts) if v.supported]
        kept = [c for c in claimed if c in supporting]
        together = " ".join(sources[c].text for c in claimed)
        if (not kept and len(claimed) > 1 and judge.judge(claim, together, given).supported
                and not unwritten(added, together)):
            kept = claimed  # supported only by the cited sources together
        if not kept and supporting:
            kept = [max(supporting, key=lambda j: verdicts[j].similarity)]
            result.notes.append(f"sentence {n}: cited [{kept[0] + 1}], which supports it"
                                + (f", instead of {[c + 1 for c in claimed]}" if claimed else ""))
        elif claimed and len(kept) < len(claimed):
            result.notes.append(f"sentence {n}: removed citations that do not support it: "
                                f"{[c + 1 for c in claimed if c not in kept]}")
        if not kept:
            why = []
            best = max(verdicts, key=lambda v: v.similarity, default=None)
            if best is not None and best.missing_numbers:
                why.append(f"numbers {list(best.missing_numbers)} in no source")
            if best is not None and best.missing_names:
                why.append(f"names {list(best.missing_names)} in no source")
            unsaid = [w for w in added if all(w in unwritten(added, s.text) for s in sources)]
            if unsaid:
                why.append(f"words {unsaid} in no source")
            result.notes.append(f"sentence {n} dropped, no source supports it"
                                + (f" ({'; '.join(why)})" if why else "") + f": {plain[:80]}")
            return None
        if any(v.text == plain for v in result.sentences):
            result.notes.append(f"sentence {n} dropped: a repeat")
            return None
        verified = injection_free(VerifiedSentence(plain, tuple(kept)), sources, judge)
        if verified is None:
            result.notes.append(_injected_note(n, VerifiedSentence(plain, tuple(kept))))
            return None
        result.sentences.append(verified)
        return verified


def drop_injected(verification: Verification, sources: list[PromptSource], judge: GroundingJudge) -> Verification:
    """``verification`` without the sentences whose only support is an instruction-like sentence
    (:func:`rag.injection.instruction_like`: an order to the assistant that the evidence filter let
    through). :class:`SentenceChecker` applies :func:`injection_free` to every sentence already; this
    is the same step for a verification made otherwise."""
    result = Verification(notes=list(verification.notes))
    for n, sentence in enumerate(verification.sentences, start=1):
        kept = injection_free(sentence, sources, judge)
        if kept is None:
            result.notes.append(_injected_note(n, sentence))
        else:
            result.sentences.append(kept)
    return result


def injection_free(sentence: VerifiedSentence, sources: list[PromptSource],
                   judge: GroundingJudge) -> VerifiedSentence | None:
    """``sentence`` with only the sources that support it once their instruction-like sentences are left
    out; None when none does. The judge is asked again only for sources that hold such a sentence
    (rarely any)."""
    still = []
    for i in sentence.sources:
        orders = _orders(list(sources[i].sentences), judge)
        kept = [s for s, order in zip(sources[i].sentences, orders, strict=True) if not order]
        if len(kept) == len(sources[i].sentences) or (kept and judge.judge(sentence.text, " ".join(kept)).supported):
            still.append(i)
    if not still:
        return None
    return sentence if len(still) == len(sentence.sources) else VerifiedSentence(sentence.text, tuple(still))


def _orders(sentences: list[str], judge: GroundingJudge) -> list[bool]:
    """Which ``sentences`` read as orders to the assistant: by the patterns (:func:`rag.injection.instruction_like`)
    or by the learned detector (:mod:`rag.order_detector`, when the judge's embedding model is the one it was
    fitted on)."""
    flagged = [instruction_like(s) for s in sentences]
    embedder = getattr(judge, "embedder", None)
    detector = order_detector(embedder.name) if embedder is not None else None
    if detector is None or all(flagged):
        return flagged
    learned = detector.flags(sentences, judge.query_vectors)
    return [a or b for a, b in zip(flagged, learned, strict=True)]


def _injected_note(n: int, sentence: VerifiedSentence) -> str:
    return (f"answer sentence {n} dropped: only an order to the assistant in the sources supports it: "
            f"{sentence.text[:80]}")
