"""The local model's state after reading a fixed prompt prefix, kept on disk for the next process.

Reading the answer prompt's fixed prefix (the system prompt and the worked examples, about 800 tokens)
takes the local model 10-15 s on two cores. :class:`rag.llm.LocalLlama` keeps the state it reached in
memory; this saves it to a file, so that a new process (a one-shot ``tanya ask``, a restarted page) loads
it in a fraction of a second instead. A file is named by everything its state depends on: the prefix's
messages, the model file (path, size, modification time), the context window and llama-cpp-python's
version. Files are plain NumPy archives (no pickle); one that cannot be read is deleted and ignored.
A file is about 30 MB: only the :data:`KEEP` last used stay (a changed prompt or model leaves its old ones).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from rag.llm import Message

log = logging.getLogger(__name__)

#: How many saved states stay in the folder: the most recently used ones (each answer language's prefix, a few
#: models); older ones are deleted when a new one is saved.
KEEP = 6


class PrefixStates:
    """Saved llama.cpp states of prompt prefixes, in ``folder``, for the model file at ``model``."""

    def __init__(self, folder: Path, model: Path, context_window: int) -> None:
        import llama_cpp

        stat = model.stat()
        self.folder = folder
        self._identity = json.dumps([str(model.resolve()), stat.st_size, stat.st_mtime_ns, context_window,
                                     llama_cpp.__version__])

    def path(self, prefix: list[Message]) -> Path:
        digest = hashlib.sha256((self._identity + json.dumps(prefix, ensure_ascii=False)).encode()).hexdigest()
        return self.folder / f"prefix-{digest[:32]}.npz"

    def load(self, prefix: list[Message]) -> Any:
        """The saved state of ``prefix`` (a llama_cpp ``LlamaState``), or None."""
        from llama_cpp.llama import LlamaState

        path = self.path(prefix)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as saved:
                state = bytes(saved["llama_state"].tobytes())
                state_of = LlamaState(input_ids=saved["input_ids"].astype(np.intc), scores=saved["scores"],
                                      n_tokens=int(saved["n_tokens"]), llama_state=state,
                                      llama_state_size=len(state), seed=int(saved["seed"]))
        except (OSError, ValueError, KeyError) as exc:
            log.warning("The saved prompt state %s cannot be read (%s): deleted, the prefix is read again.", path, exc)
            self.forget(prefix)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # used now: the last to be pruned
        return state_of

    def save(self, prefix: list[Message], state: Any) -> None:
        """Keep ``state`` for ``prefix`` (written whole or not at all; a failure to write is logged, not raised:
        the next process reads the prefix again)."""
        path = self.path(prefix)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as out:
                np.savez(out, input_ids=np.asarray(state.input_ids), scores=state.scores,
                         n_tokens=state.n_tokens, seed=state.seed,
                         llama_state=np.frombuffer(state.llama_state, dtype=np.uint8))
            os.replace(temporary, path)
        except OSError as exc:
            log.warning("Could not save the prompt state to %s (%s).", path, exc)
            return
        self.prune()

    def prune(self, keep: int = KEEP) -> list[Path]:
        """Delete all but the ``keep`` most recently used saved states (and unfinished writes older than a
        minute); the paths deleted."""
        saved = sorted(self.folder.glob("prefix-*.npz"), key=_mtime, reverse=True)
        stale = [p for p in self.folder.glob("*.tmp") if time.time() - _mtime(p) > 60]
        deleted = []
        for old in saved[keep:] + stale:
            try:
                old.unlink()
                deleted.append(old)
            except OSError:
                pass  # another process took it first, or it is in use elsewhere: next time
        return deleted

    def forget(self, prefix: list[Message]) -> None:
        self.path(prefix).unlink(missing_ok=True)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
