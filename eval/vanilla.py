"""The vanilla llama-index baseline: `VectorStoreIndex` + `CitationQueryEngine` with default settings.

Same articles (cleaned the same way), same embedding model, same GGUF language
model with its ChatML template; everything else is llama-index's defaults
(1024-token chunks, top 2, 512-token citation chunks, its own citation prompt).
It is scored with the same metrics and judge as our pipeline.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.dataset import EvalItem
from eval.judge import Judge
from eval.metrics import answer_scores, citation_scores, score_abstention_as_wrong
from eval.resume import resumed_rows, write_rows
from rag import Assistant
from rag.abstention import is_refusal
from rag.language import detect_language
from rag.model_files import resolve_gguf

if TYPE_CHECKING:
    from llama_index.core.query_engine import CitationQueryEngine

_SOURCE_PREFIX = re.compile(r"^Source \d+:\s*", re.IGNORECASE)


def chatml(messages: Sequence) -> str:
    """ChatML, the chat format of Qwen2.5 (and SmolLM2)."""
    parts = [f"<|im_start|>{m.role.value if hasattr(m.role, 'value') else m.role}\n{m.content}<|im_end|>\n"
             for m in messages]
    return "".join(parts) + "<|im_start|>assistant\n"


def chatml_completion(prompt: str) -> str:
    return f"<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n"


def build_engine(bot: Assistant) -> CitationQueryEngine:
    """A CitationQueryEngine over the bot's articles, with the bot's models."""
    from llama_index.core import Document, VectorStoreIndex
    from llama_index.core.query_engine import CitationQueryEngine
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    from llama_index.llms.llama_cpp import LlamaCPP

    from index import find_article_files, load_article
    from index.embedding import resolve_embed_model

    s = bot.settings
    folder = resolve_embed_model(s.embed_model, s.models_path)
    embed = HuggingFaceEmbedding(model_name=str(folder), query_instruction=bot.embedder.query_prefix,
                                 text_instruction=bot.embedder.passage_prefix, device="cpu")
    documents = []
    for path in find_article_files([s.articles_dir]):
        article = load_article(path)
        documents.append(Document(text=article.text, metadata={"doc_id": article.doc_id, "title": article.title}))
    index = VectorStoreIndex.from_documents(documents, embed_model=embed)
    llm = LlamaCPP(model_path=str(resolve_gguf(s.llm, s.models_path)), temperature=s.temperature or 0.0,
                   max_new_tokens=s.max_answer_tokens, context_window=s.context_window,
                   model_kwargs={"n_threads": s.threads, "n_threads_batch": s.threads},
                   messages_to_prompt=chatml, completion_to_prompt=chatml_completion, verbose=False)
    return CitationQueryEngine.from_args(index, llm=llm, streaming=True)


def streamed_answer(engine, question: str) -> tuple[Any, str, float | None, float]:
    """Ask ``engine`` (streaming): its response, the answer's text, seconds to its first token (None: it wrote
    nothing) and in all."""
    started = time.perf_counter()
    response = engine.query(question)
    ttft, pieces = None, []
    for piece in response.response_gen:
        if ttft is None and piece:
            ttft = time.perf_counter() - started
        pieces.append(piece)
    return response, "".join(pieces).strip(), ttft, time.perf_counter() - started


def evaluate_vanilla(engine, item: EvalItem, judge: Judge) -> dict:
    response, text, ttft, total = streamed_answer(engine, item.question)
    sources = {i: _SOURCE_PREFIX.sub("", n.node.get_content()) for i, n in enumerate(response.source_nodes, start=1)}
    abstained = not text or is_refusal(text)
    citations = citation_scores(text, sources, lambda s, p: judge.judge(s, p).supported)
    return {
        "id": item.id, "lang": item.lang, "type": item.type, "question": item.question,
        "answerable": item.answerable, "gold_answer": item.gold_answer, "answer": text, "abstained": abstained,
        "answer_language": detect_language(text) if text else item.lang,
        **(answer_scores(text, abstained, item.gold_facts, item.gold_answer) if item.answerable
           else {"facts": None, "f1": None}),
        "citation": citations, "ttft_s": ttft, "total_s": total, "prompt_tokens": None, "completion_tokens": None,
        "sources": [n.node.metadata.get("doc_id") for n in response.source_nodes],
        "passages": {str(number): passage for number, passage in sources.items()},
    }


def run_vanilla(bot: Assistant, items: list[EvalItem], out: Path, judge: Judge,
                progress: bool = True) -> list[dict]:
    """Ask ``items`` through the vanilla pipeline; rows already in ``out`` (an interrupted run) are kept."""
    engines: list[CitationQueryEngine] = []  # built on the first question not already answered

    def make_row(item: EvalItem) -> dict:
        if not engines:
            engines.append(build_engine(bot))
        return evaluate_vanilla(engines[0], item, judge)

    return resumed_rows(out / "results.jsonl", items, lambda item: item.id, make_row, key="id", needs="answer",
                        desc="Vanilla llama-index", progress=progress)


def rescore_vanilla(out: Path, judge: Judge) -> list[dict] | None:
    """Score the citations of a stored vanilla run again; None when its rows lack the passages."""
    path = out / "results.jsonl"
    if not path.is_file():
        return None
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    if not rows or any("passages" not in row for row in rows):
        return None
    for row in rows:
        score_abstention_as_wrong(row)
        row["citation"] = citation_scores(row["answer"], {int(n): t for n, t in row["passages"].items()},
                                          lambda s, p: judge.judge(s, p).supported)
    write_rows(path, rows)
    return rows
