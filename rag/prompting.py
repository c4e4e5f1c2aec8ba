"""The prompt: a fixed system prompt (cached by llama.cpp) and only the evidence, numbered."""

from __future__ import annotations

from rag.language import Language
from rag.llm import Message
from rag.retrieval import Passage

#: What the model writes when the sources do not hold the answer.
NOT_FOUND = "NOT_IN_SOURCES"

SYSTEM_PROMPT = (
    "You answer questions about news articles using only the numbered sources you are given.\n"
    "Rules:\n"
    "- Write one to three short sentences, in the language the user asks for.\n"
    "- End every sentence with the number of the source that supports it, like [1] or [2][3].\n"
    "- Use only facts stated in the sources. Do not add anything else.\n"
    f"- If the sources do not contain the answer, reply only: {NOT_FOUND}"
)

LANGUAGE_NAMES = {"id": "Indonesian (Bahasa Indonesia)", "en": "English"}


def format_source(number: int, passage: Passage) -> str:
    origin = ", ".join(x for x in (passage.publisher, passage.date) if x)
    head = f"[{number}] {passage.title}" + (f" ({origin})" if origin else "")
    return f"{head}\n{passage.text}"


def build_messages(question: str, passages: list[Passage], language: Language,
                   context: str | None = None) -> list[Message]:
    """Chat messages for one question. The system message never changes, so its KV cache is reused."""
    sources = "\n\n".join(format_source(i, p) for i, p in enumerate(passages, start=1))
    parts = [f"Sources:\n{sources}"]
    if context:
        parts.append(f"Earlier in the conversation: {context}")
    parts.append(f"Question: {question}")
    parts.append(f"Answer in {LANGUAGE_NAMES[language]}, citing sources as [n].")
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": "\n\n".join(parts)}]
