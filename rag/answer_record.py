"""An :class:`~rag.answer.Answer` as plain JSON data and back: what a saved conversation keeps of each answer.

Everything the page needs to show the answer again with its citations is kept: the text, every
citation (title, publisher, date, the cited sentences, the article's URL, file and pages), the
passages an abstention links to, why it abstained, its notes and what it cost. Passages keep their
sentences' texts and scores and the metadata that says where they come from, not the whole chunk
metadata. A record from a later format, or a damaged one, raises :class:`RecordError`.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rag.abstention import Reason, Signals
from rag.answer import Answer, Citation
from rag.errors import TanyaError
from rag.language import is_language
from rag.llm import GenerationStats
from rag.retrieval import Passage, ScoredSentence

__all__ = ["RECORD_VERSION", "RecordError", "answer_from_record", "answer_to_record"]

#: The format of a record; a record of another version is not read.
RECORD_VERSION = 1
#: The passage metadata a record keeps: where the passage comes from, and its place in its article.
PASSAGE_METADATA = ("url", "source_path", "source_location", "page", "page_end", "position", "date_text")


class RecordError(TanyaError, ValueError):
    """A saved answer cannot be read (a damaged record, or one written by a later version)."""


def _passage(p: Passage) -> dict[str, Any]:
    return {"id": p.id, "doc_id": p.doc_id, "text": p.text, "score": p.score, "title": p.title,
            "publisher": p.publisher, "date": p.date, "dense_score": p.dense_score,
            "metadata": {k: p.metadata[k] for k in PASSAGE_METADATA if k in p.metadata},
            "sentences": [[s.text, s.score, s.index] for s in p.sentences]}


def answer_to_record(answer: Answer) -> dict[str, Any]:
    """``answer`` as JSON-ready data (dicts, lists, strings, numbers)."""
    return {
        "version": RECORD_VERSION,
        "text": answer.text,
        "citations": [{**asdict(c), "quotes": list(c.quotes), "pages": list(c.pages)} for c in answer.citations],
        "language": answer.language,
        "abstained": answer.abstained,
        "question": answer.question,
        "passages": [_passage(p) for p in answer.passages],
        "stats": asdict(answer.stats),
        "retrieval_s": answer.retrieval_s,
        "notes": list(answer.notes),
        "evidence_score": answer.evidence_score,
        "abstention": answer.abstention.value if answer.abstention else None,
        "signals": asdict(answer.signals) if answer.signals else None,
        "answerability": answer.answerability,
        "filters": answer.filters,
    }


def answer_from_record(record: dict[str, Any]) -> Answer:
    """The :class:`Answer` :func:`answer_to_record` made ``record`` from."""
    if not isinstance(record, dict) or record.get("version") != RECORD_VERSION:
        found = record.get("version") if isinstance(record, dict) else type(record).__name__
        raise RecordError(f"A saved answer has format {found!r}; this version of Tanya Berita reads format "
                          f"{RECORD_VERSION}. Open the conversation with the version that saved it, or delete it.")
    try:
        citations = [Citation(**{**c, "quotes": tuple(c["quotes"]), "pages": tuple(c["pages"])})
                     for c in record["citations"]]
        passages = [Passage(id=p["id"], doc_id=p["doc_id"], text=p["text"], score=p["score"], title=p["title"],
                            publisher=p["publisher"], date=p["date"], dense_score=p["dense_score"],
                            metadata=dict(p["metadata"]),
                            sentences=tuple(ScoredSentence(t, s, i) for t, s, i in p["sentences"]))
                    for p in record["passages"]]
        language = record["language"]
        if not is_language(language):
            raise ValueError(f"unknown language {language!r}")
        return Answer(text=record["text"], citations=citations, language=language, abstained=record["abstained"],
                      question=record["question"], passages=passages, stats=GenerationStats(**record["stats"]),
                      retrieval_s=record["retrieval_s"], notes=list(record["notes"]),
                      evidence_score=record["evidence_score"],
                      abstention=Reason(record["abstention"]) if record["abstention"] else None,
                      signals=Signals(**record["signals"]) if record["signals"] else None,
                      answerability=record["answerability"], filters=record.get("filters"))
    except (KeyError, TypeError, ValueError) as exc:
        raise RecordError(f"A saved answer is damaged ({type(exc).__name__}: {exc}); delete the conversation "
                          "that holds it.") from None
