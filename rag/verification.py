"""Check every sentence of the model's answer against the sources before anyone sees it.

A citation that does not support its sentence is moved to the source that does,
or removed; a sentence no source supports (a number no source states, a name no
source names, a claim no source makes) is dropped. What is left is renumbered
1..N by first appearance, so every ``[n]`` has exactly one source.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rag.citations import answer_sentences, cited_numbers, strip_citations
from rag.evidence import PromptSource
from rag.grounding import GroundingJudge
from rag.injection import instruction_like


@dataclass(frozen=True)
class VerifiedSentence:
    text: str  # without markers
    sources: tuple[int, ...]  # 0-based indexes of the sources that support it


@dataclass
class Verification:
    sentences: list[VerifiedSentence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was changed, for the curious


#: A sentence this short ("Minggu (17/9).") is a bare answer: it is judged together with the question.
SHORT_ANSWER_WORDS = 5


def verify_answer(raw_answer: str, sources: list[PromptSource], judge: GroundingJudge,
                  question: str | None = None) -> Verification:
    """The sentences of ``raw_answer`` that the sources support, each with the sources that do.

    A bare answer ("Oleg Kozhemyako.") says nothing alone, so it is checked as
    ``question + answer``: a date from a source about something else is not support.
    """
    result = Verification()
    for n, sentence in enumerate(answer_sentences(raw_answer), start=1):
        plain = strip_citations(sentence)
        if not plain or not any(ch.isalnum() for ch in plain):
            continue
        claimed = list(dict.fromkeys(c - 1 for c in cited_numbers(sentence)))
        missing = [c + 1 for c in claimed if not 0 <= c < len(sources)]
        if missing:
            result.notes.append(f"sentence {n}: removed [n] with no source: {missing}")
        claimed = [c for c in claimed if 0 <= c < len(sources)]
        claim = f"{question} {plain}" if question and len(plain.split()) < SHORT_ANSWER_WORDS else plain
        verdicts = [judge.judge(claim, s.text) for s in sources]
        supporting = [j for j, v in enumerate(verdicts) if v.supported]
        kept = [c for c in claimed if c in supporting]
        if not kept and len(claimed) > 1 and judge.judge(claim, " ".join(sources[c].text for c in claimed)).supported:
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
            result.notes.append(f"sentence {n} dropped, no source supports it"
                                + (f" ({'; '.join(why)})" if why else "") + f": {plain[:80]}")
            continue
        if any(v.text == plain for v in result.sentences):
            result.notes.append(f"sentence {n} dropped: a repeat")
            continue
        result.sentences.append(VerifiedSentence(plain, tuple(kept)))
    return result


def drop_injected(verification: Verification, sources: list[PromptSource], judge: GroundingJudge) -> Verification:
    """``verification`` without the sentences whose only support is an instruction-like sentence
    (:func:`rag.injection.instruction_like`: an order to the assistant that the evidence filter let through).

    A sentence stays when one of its sources still supports it with its instruction-like sentences left
    out; the judge is asked again only for sources that hold such a sentence (rarely any). A separate
    step after :func:`verify_answer`, whatever judge decides support.
    """
    cleaned: dict[int, str | None] = {}  # source index -> its text without instruction-like sentences

    def without_orders(index: int) -> str | None:
        if index not in cleaned:
            kept = [s for s in sources[index].sentences if not instruction_like(s)]
            cleaned[index] = None if len(kept) == len(sources[index].sentences) else " ".join(kept)
        return cleaned[index]

    result = Verification(notes=list(verification.notes))
    for n, sentence in enumerate(verification.sentences, start=1):
        texts = [without_orders(i) for i in sentence.sources]
        if all(text is None for text in texts):  # no instruction-like sentence in its sources
            result.sentences.append(sentence)
            continue
        still = tuple(i for i, text in zip(sentence.sources, texts, strict=True)
                      if text is None or (text and judge.judge(sentence.text, text).supported))
        if not still:
            result.notes.append(f"answer sentence {n} dropped: only an order to the assistant in the sources "
                                f"supports it: {sentence.text[:80]}")
            continue
        result.sentences.append(VerifiedSentence(sentence.text, still))
    return result
