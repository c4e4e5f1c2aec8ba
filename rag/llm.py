"""The language model behind the answers: a local GGUF file or an OpenAI-compatible server.

Both speak one small interface, :class:`ChatModel`: stream the reply to a list of
chat messages, and say how many tokens the last call read and wrote.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Protocol

from rag.errors import LLMError, ModelError
from rag.model_files import resolve_gguf
from rag.settings import Settings

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}


@dataclass
class GenerationStats:
    """What the last generation cost."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    ttft_s: float = 0.0
    total_s: float = 0.0


class ChatModel(Protocol):
    name: str
    last_stats: GenerationStats

    def stream(self, messages: list[Message], *, max_tokens: int, temperature: float) -> Iterator[str]:
        """Yield the reply in pieces as they are generated."""
        ...


class LocalLlama:
    """A GGUF model run in-process by llama.cpp, with the chat template stored in the file.

    llama.cpp keeps the KV cache of the previous prompt, so a prompt that starts like
    the last one (same system prompt) is only read from where it differs.
    """

    def __init__(self, path: Path, *, name: str, context_window: int, threads: int) -> None:
        try:
            from llama_cpp import Llama
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ModelError("llama-cpp-python is not installed; run `bash scripts/setup.sh`.") from exc
        try:
            self._llama = Llama(model_path=str(path), n_ctx=context_window, n_threads=threads,
                                n_threads_batch=threads, n_batch=512, verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"llama.cpp cannot load {path}: {exc}. Is it a complete GGUF file?") from exc
        self.name = name
        self.context_window = context_window
        self.last_stats = GenerationStats()

    def count_tokens(self, text: str) -> int:
        return len(self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def stream(self, messages: list[Message], *, max_tokens: int, temperature: float) -> Iterator[str]:
        stats = GenerationStats(prompt_tokens=sum(self.count_tokens(m["content"]) + 4 for m in messages))
        start = time.perf_counter()
        try:
            chunks = self._llama.create_chat_completion(messages=messages, max_tokens=max_tokens,
                                                        temperature=temperature, stream=True)
            for chunk in chunks:
                piece = chunk["choices"][0]["delta"].get("content")
                if piece:
                    if not stats.completion_tokens:
                        stats.ttft_s = time.perf_counter() - start
                    stats.completion_tokens += 1
                    yield piece
        except ValueError as exc:  # e.g. prompt longer than the context window
            raise LLMError(f"The language model refused the prompt: {exc}") from exc
        finally:
            stats.total_s = time.perf_counter() - start
            self.last_stats = stats


class ServerLLM:
    """Any OpenAI-compatible chat server (vLLM, Ollama, llama.cpp's server), via llama-index."""

    def __init__(self, base_url: str, *, model: str, api_key: str, context_window: int) -> None:
        from llama_index.llms.openai_like import OpenAILike

        self._llm = OpenAILike(model=model, api_base=base_url, api_key=api_key, is_chat_model=True,
                               context_window=context_window, timeout=120.0, max_retries=1)
        self.name = f"{model} @ {base_url}"
        self.last_stats = GenerationStats()

    def stream(self, messages: list[Message], *, max_tokens: int, temperature: float) -> Iterator[str]:
        from llama_index.core.llms import ChatMessage

        stats = GenerationStats(prompt_tokens=sum(len(m["content"]) // 4 for m in messages))
        start = time.perf_counter()
        chat = [ChatMessage(role=m["role"], content=m["content"]) for m in messages]
        try:
            for response in self._llm.stream_chat(chat, max_tokens=max_tokens, temperature=temperature):
                if response.delta:
                    if not stats.completion_tokens:
                        stats.ttft_s = time.perf_counter() - start
                    stats.completion_tokens += 1
                    yield response.delta
        except Exception as exc:
            raise LLMError(f"The LLM server at {self.name} failed: {exc}") from exc
        finally:
            stats.total_s = time.perf_counter() - start
            self.last_stats = stats


def load_chat_model(settings: Settings) -> ChatModel:
    """The language model the settings name: a server when TANYA_LLM_BASE_URL is set, else a local GGUF."""
    if settings.llm_base_url:
        return ServerLLM(settings.llm_base_url, model=settings.llm_model, api_key=settings.llm_api_key,
                         context_window=settings.context_window)
    path = resolve_gguf(settings.llm, settings.models_path)
    return LocalLlama(path, name=settings.llm, context_window=settings.context_window, threads=settings.threads)
