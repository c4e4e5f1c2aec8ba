"""The language model behind the answers: a local GGUF file or an OpenAI-compatible server.

Both speak one small interface, :class:`ChatModel`: stream the reply to a list of
chat messages as a :class:`Generation`, which also says what the reply cost.
"""

from __future__ import annotations

import ctypes
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from rag.errors import LLMError, ModelError
from rag.model_files import resolve_gguf
from rag.settings import Settings

if TYPE_CHECKING:
    from llama_cpp.llama_types import ChatCompletionRequestMessage, CreateChatCompletionStreamResponse

    from rag.prompt_states import PrefixStates

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}


@dataclass
class GenerationStats:
    """What the last generation cost."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    ttft_s: float = 0.0
    total_s: float = 0.0
    #: The pieces of text written, one per token, and, from a model that can tell (the local one, asked with an
    #: ``opening``), its probability of each token it wrote, in the same order: how sure it was.
    pieces: list[str] = field(default_factory=list)
    token_probabilities: list[float] = field(default_factory=list)


@dataclass
class Opening:
    """With ``opening=...`` asked of :meth:`ChatModel.stream`: what the model made of that opening at its first
    step (both None when the model cannot tell). Known once the first piece has come."""

    #: The model's probability, before it wrote anything, that its reply begins with the opening's first token.
    probability: float | None = None
    #: Whether that was its likeliest first token (what it would have written unhindered).
    likeliest: bool | None = None


class Generation:
    """A reply being written: iterate over it for its pieces of text; :attr:`stats` is complete once the
    iteration has ended (also when it ended early: stopped, or closed by the consumer)."""

    def __init__(self, pieces: Iterator[str], stats: GenerationStats, opening: Opening | None = None) -> None:
        self._pieces = pieces
        self.stats = stats
        self.opening = opening or Opening()

    @property
    def opening_probability(self) -> float | None:
        return self.opening.probability

    @property
    def opening_likeliest(self) -> bool | None:
        return self.opening.likeliest

    def __iter__(self) -> Iterator[str]:
        return self._pieces

    def close(self) -> None:
        """Stop writing (the model is free for the next reply at once)."""
        close = getattr(self._pieces, "close", None)
        if close is not None:
            close()

    @classmethod
    def of(cls, pieces: Iterable[str], prompt_tokens: int = 0, opening_probability: float | None = None,
           token_probabilities: Iterable[float] = ()) -> Generation:
        """A reply already written (a model on another machine that answered at once, a fake in a test)."""
        written = list(pieces)
        return cls(iter(written), GenerationStats(prompt_tokens=prompt_tokens, completion_tokens=len(written),
                                                  pieces=list(written),
                                                  token_probabilities=list(token_probabilities)),
                   Opening(opening_probability))


class ChatModel(Protocol):
    name: str

    def stream(self, messages: list[Message], *, max_tokens: int, temperature: float,
               stop: threading.Event | None = None, opening: str | None = None,
               forbid_opening: Callable[[float], bool] | None = None) -> Generation:
        """The reply, in pieces as they are generated; it ends early, quietly, once ``stop`` is set.

        With ``opening``, the reply also says how likely the model was to begin with it
        (:attr:`Generation.opening_probability`); when ``forbid_opening(that probability)`` is true, the
        model may not begin with it (its first token is ruled out at the first step), so it writes its best
        other reply instead."""
        ...


#: How often (seconds) a running generation looks at its ``stop`` event.
STOP_POLL_S = 0.05


class _AbortFlag:
    """Stops llama.cpp mid-computation (also while it reads a prompt, which takes seconds) once an
    event is set.

    llama.cpp asks an abort callback after every step of its computation, on its own thread. A
    Python callback would need the GIL hundreds of times a token, so the callback is libc's
    ``strlen`` over a two-byte buffer: 0 (go on) until :meth:`watching` sees the event and writes
    one byte, 1 (abort). ``available`` is False where there is no libc to borrow it from; a stop
    then takes effect at the next piece of text.
    """

    def __init__(self, llama: Any) -> None:
        self._buffer = ctypes.create_string_buffer(2)
        self._data = ctypes.cast(self._buffer, ctypes.c_void_p)
        self.available = False
        try:
            import llama_cpp

            strlen = ctypes.cast(ctypes.CDLL(None).strlen, ctypes.c_void_p).value
            if strlen is None:  # no address: as good as no libc
                raise OSError("strlen has no address")
            self._callback = llama_cpp.ggml_abort_callback(strlen)  # kept: the context holds its address
            llama_cpp.llama_set_abort_callback(llama._ctx.ctx, self._callback, self._data)
            self.available = True
        except (OSError, AttributeError, TypeError):  # no libc (Windows) or another llama-cpp-python
            pass

    @contextmanager
    def watching(self, stop: threading.Event | None) -> Iterator[None]:
        """While the block runs, abort llama.cpp within :data:`STOP_POLL_S` of ``stop`` being set."""
        self._buffer.value = b""
        if stop is None or not self.available:
            yield
            return
        done = threading.Event()

        def watch() -> None:
            while not done.is_set():
                if stop.wait(STOP_POLL_S):
                    self._buffer.value = b"x"
                    return

        watcher = threading.Thread(target=watch, name="tanya-stop-watch", daemon=True)
        watcher.start()
        try:
            yield
        finally:
            done.set()
            watcher.join()
            self._buffer.value = b""


#: The last message of the prompt read to reach a prefix's state: every real prompt differs from it at its last
#: message's first token, so each is read from the same place, whatever came before.
PREFIX_PROBE: Message = {"role": "user", "content": "?"}


class LocalLlama:
    """A GGUF model run in-process by llama.cpp, with the chat template stored in the file.

    The state reached once the answer prompt's fixed prefix (system prompt, worked examples) is read is kept
    (:meth:`warm`); every prompt that starts with that prefix is read from that state, so only its last message
    is read, and always from the same place: a reply does not depend on what was asked before.
    """

    def __init__(self, path: Path, *, name: str, context_window: int, threads: int, prompt_lookup: int = 0,
                 state_dir: Path | None = None) -> None:
        try:
            from llama_cpp import Llama
            from llama_cpp.llama_speculative import LlamaPromptLookupDecoding
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ModelError("llama-cpp-python is not installed; run `bash scripts/setup.sh`.") from exc
        draft = LlamaPromptLookupDecoding(num_pred_tokens=prompt_lookup) if prompt_lookup else None
        try:
            # With a draft model llama-cpp-python keeps every position's logits but sizes their array by
            # ``logits_all`` alone: a prompt longer than n_batch overflows it unless that is set too.
            self._llama = Llama(model_path=str(path), n_ctx=context_window, n_threads=threads,
                                n_threads_batch=threads, n_batch=512, verbose=False, draft_model=draft,
                                logits_all=draft is not None)
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"llama.cpp cannot load {path}: {exc}. Is it a complete GGUF file?") from exc
        self.name = name
        self.context_window = context_window
        self._abort = _AbortFlag(self._llama)
        #: The model's state once it has read the fixed prompt prefix (:meth:`warm`), the messages before the
        #: question that make that prefix, and whether llama.cpp's cache holds that state now (nothing read since).
        self._prefix_state: Any = None
        self._prefix_messages: list[Message] | None = None
        self._at_prefix = False
        #: Where prefix states are kept for the next process (None: only in memory).
        self._states: PrefixStates | None = None
        if state_dir is not None:
            from rag.prompt_states import PrefixStates

            self._states = PrefixStates(state_dir, path, context_window)

    def count_tokens(self, text: str) -> int:
        return len(self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def warm(self, messages: list[Message]) -> float:
        """Read the fixed prefix of prompts like ``messages`` (all but the last message) now, so that the next
        prompt that starts with it is read only from where it differs; the seconds it took.

        The state reached is kept (in memory and on disk) and every later prompt that starts with that prefix
        is read from it, whatever was read in between: so a question's reply does not depend on the questions
        asked before it (llama.cpp's numbers depend a little on where a batch starts)."""
        start = time.perf_counter()
        self._prefix_for(messages)
        return time.perf_counter() - start

    def _prefix_for(self, messages: list[Message]) -> None:
        """Make sure the state of ``messages``' prefix is kept: the one kept already, one an earlier process
        saved, or the prefix read now (with :data:`PREFIX_PROBE` as the last message, so that every prompt
        differs from it at the same place)."""
        prefix = messages[:-1]
        if not prefix or (self._prefix_state is not None and self._prefix_messages == prefix):
            return
        states = self._states
        state = states.load(prefix) if states is not None else None
        if states is not None and state is not None:
            try:  # into llama.cpp now (its first load takes ~0.8 s): at start, not at the first question
                self._llama.load_state(state)
            except RuntimeError:  # a saved state this llama.cpp cannot take: read the prefix again
                states.forget(prefix)
            else:
                self._prefix_state, self._prefix_messages, self._at_prefix = state, prefix, True
                return
        self._llama.reset()
        for _ in self._read(prefix + [PREFIX_PROBE], 1, 0.0, None, GenerationStats()):
            pass
        state = self._llama.save_state()
        state.scores = state.scores[-1:].copy()  # the prefix's logits are never read again: one row, not 512
        self._prefix_state, self._prefix_messages, self._at_prefix = state, prefix, True
        if self._states is not None:
            self._states.save(prefix, state)

    def _from_prefix(self, messages: list[Message]) -> None:
        """Before reading ``messages``: when they start with the kept prefix, restore its state unless llama.cpp's
        cache holds just that (nothing read since it was reached or restored)."""
        prefix = self._prefix_messages
        starts_with_prefix = prefix is not None and messages[:len(prefix)] == prefix
        if self._prefix_state is not None and starts_with_prefix and not self._at_prefix:
            try:
                self._llama.load_state(self._prefix_state)
            except RuntimeError:  # a saved state this llama.cpp cannot take: read the prefix again
                if self._states is not None and prefix is not None:
                    self._states.forget(prefix)
                self._prefix_state = self._prefix_messages = None
                self._prefix_for(messages)
        self._at_prefix = False

    def stream(self, messages: list[Message], *, max_tokens: int, temperature: float,
               stop: threading.Event | None = None, opening: str | None = None,
               forbid_opening: Callable[[float], bool] | None = None) -> Generation:
        stats = GenerationStats(prompt_tokens=sum(self.count_tokens(m["content"]) + 4 for m in messages))
        seen = Opening()
        recorder = self._opening_recorder(opening, seen, forbid_opening, stats) if opening else None
        return Generation(self._pieces(messages, max_tokens, temperature, stop, stats, recorder,
                                       keep_prefix=opening is not None), stats, seen)

    def _opening_recorder(self, opening: str, seen: Opening, forbid: Callable[[float], bool] | None,
                          stats: GenerationStats) -> Any:
        """A llama.cpp logits processor: at the reply's first token, it records in ``seen`` the probability
        of ``opening``'s first token (softmax over the whole vocabulary) and, when ``forbid`` says so, rules that
        token out. At every step it records in ``stats`` the probability of the likeliest token left (the one
        written: answers are greedy). The logits are otherwise left alone."""
        import numpy as np

        token = self._llama.tokenize(opening.encode("utf-8"), add_bos=False, special=False)[0]

        def record(input_ids: Any, logits: Any) -> Any:
            values = np.asarray(logits, dtype=np.float64)
            weights = np.exp(values - values.max())
            total = weights.sum()
            if seen.probability is None:
                seen.probability = float(weights[token] / total)
                seen.likeliest = bool(values[token] >= values.max())
                if forbid is not None and forbid(seen.probability):
                    logits[token] = -np.inf
                    weights[token] = 0.0
            stats.token_probabilities.append(float(weights.max() / total))
            return logits

        return record

    def _pieces(self, messages: list[Message], max_tokens: int, temperature: float, stop: threading.Event | None,
                stats: GenerationStats, recorder: Any = None, keep_prefix: bool = False) -> Iterator[str]:
        """The reply's pieces, ``messages`` read from the kept prefix state when they start with its prefix;
        with ``keep_prefix`` (the answer prompt), that state is made first when none is kept (:meth:`_prefix_for`)."""
        start = time.perf_counter()
        if keep_prefix:
            self._prefix_for(messages)
        self._from_prefix(messages)
        yield from self._read(messages, max_tokens, temperature, stop, stats, recorder, start)

    def _read(self, messages: list[Message], max_tokens: int, temperature: float, stop: threading.Event | None,
              stats: GenerationStats, recorder: Any = None, start: float | None = None) -> Iterator[str]:
        """llama.cpp reads ``messages`` (from what its cache holds) and writes the reply: its pieces."""
        start = time.perf_counter() if start is None else start
        try:
            with self._abort.watching(stop):
                extra: dict[str, Any] = {}
                if recorder is not None:
                    from llama_cpp import LogitsProcessorList

                    extra["logits_processor"] = LogitsProcessorList([recorder])
                # Our messages are llama-cpp-python's {"role", "content"} dicts; with stream=True it returns
                # an iterator of chunks (its annotation is the union with the whole response).
                chunks = cast("Iterator[CreateChatCompletionStreamResponse]", self._llama.create_chat_completion(
                    messages=cast("list[ChatCompletionRequestMessage]", messages), max_tokens=max_tokens,
                    temperature=temperature, stream=True, **extra))
                for chunk in chunks:
                    if stop is not None and stop.is_set():
                        return
                    piece = chunk["choices"][0]["delta"].get("content")  # a str, or None (no "content")
                    if isinstance(piece, str) and piece:
                        if not stats.completion_tokens:
                            stats.ttft_s = time.perf_counter() - start
                        stats.completion_tokens += 1
                        stats.pieces.append(piece)
                        yield piece
        except ValueError as exc:  # e.g. prompt longer than the context window
            raise LLMError(f"The language model refused the prompt: {exc}") from exc
        except RuntimeError:  # llama.cpp aborted by the stop event (what it had read stays consistent)
            if stop is None or not stop.is_set():
                raise
        finally:
            stats.total_s = time.perf_counter() - start


#: Longest wait for a server's reply (a slow CPU server reads a long prompt for tens of seconds).
SERVER_TIMEOUT_S = 120.0


def server_failure(base_url: str, model: str, exc: Exception) -> str:
    """What went wrong with the OpenAI-compatible server at ``base_url``, and what to do about it."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return (f"The language model server at {base_url} did not answer within {SERVER_TIMEOUT_S:.0f} s. "
                "Check that it is not overloaded, or unset TANYA_LLM_BASE_URL to use the local model.")
    if isinstance(exc, openai.APIConnectionError):
        return (f"Cannot reach the language model server at {base_url} ({exc}). Is it running, and is "
                "TANYA_LLM_BASE_URL right (it usually ends in /v1)? Start the server, or unset "
                "TANYA_LLM_BASE_URL to use the local model.")
    if isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)):
        return f"The language model server at {base_url} refused the API key: set TANYA_LLM_API_KEY. ({exc})"
    if isinstance(exc, openai.NotFoundError):
        return (f"The server at {base_url} has no model {model!r}, or no OpenAI API at that address: set "
                f"TANYA_LLM_MODEL to a model it serves (listed at {base_url.rstrip('/')}/models) and check "
                f"that TANYA_LLM_BASE_URL ends in /v1. ({exc})")
    return (f"The language model server at {base_url} failed: {exc}. See the server's log; or unset "
            "TANYA_LLM_BASE_URL to use the local model.")


class ServerLLM:
    """Any OpenAI-compatible chat server (vLLM, Ollama, llama.cpp's server), via llama-index."""

    def __init__(self, base_url: str, *, model: str, api_key: str, context_window: int) -> None:
        from llama_index.llms.openai_like import OpenAILike

        self._llm = OpenAILike(model=model, api_base=base_url, api_key=api_key, is_chat_model=True,
                               context_window=context_window, timeout=SERVER_TIMEOUT_S, max_retries=1)
        self.base_url = base_url
        self.model = model
        self.name = f"{model} @ {base_url}"

    def stream(self, messages: list[Message], *, max_tokens: int, temperature: float,
               stop: threading.Event | None = None, opening: str | None = None,
               forbid_opening: Callable[[float], bool] | None = None) -> Generation:
        """(A stop takes effect at the server's next piece: it reads the prompt on its own. ``opening`` is not
        asked of the server: its probability stays None, and nothing is forbidden.)"""
        stats = GenerationStats(prompt_tokens=sum(len(m["content"]) // 4 for m in messages))
        return Generation(self._pieces(messages, max_tokens, temperature, stop, stats), stats)

    def _pieces(self, messages: list[Message], max_tokens: int, temperature: float, stop: threading.Event | None,
                stats: GenerationStats) -> Iterator[str]:
        from llama_index.core.llms import ChatMessage

        start = time.perf_counter()
        chat = [ChatMessage(role=m["role"], content=m["content"]) for m in messages]
        try:
            for response in self._llm.stream_chat(chat, max_tokens=max_tokens, temperature=temperature):
                if stop is not None and stop.is_set():
                    return
                if response.delta:
                    if not stats.completion_tokens:
                        stats.ttft_s = time.perf_counter() - start
                    stats.completion_tokens += 1
                    yield response.delta
        except Exception as exc:
            raise LLMError(server_failure(self.base_url, self.model, exc)) from exc
        finally:
            stats.total_s = time.perf_counter() - start


def load_chat_model(settings: Settings) -> ChatModel:
    """The language model the settings name: a server when TANYA_LLM_BASE_URL is set, else a local GGUF."""
    if settings.llm_base_url:
        return ServerLLM(settings.llm_base_url, model=settings.llm_model, api_key=settings.llm_api_key,
                         context_window=settings.context_window)
    path = resolve_gguf(settings.llm, settings.models_path, elsewhere=settings.other_models_paths)
    return LocalLlama(path, name=settings.llm, context_window=settings.context_window, threads=settings.threads,
                      prompt_lookup=settings.prompt_lookup, state_dir=settings.prompt_state_path)
