"""Stand-ins for the models, so that tests of the library and the answer path load none.

:class:`FakeEmbedder` gives deterministic unit vectors of the text (only what the texts are matters);
:class:`NoChatModel` fails the test that calls it: the path under test must decide without the model.
:func:`fake_bot` is an :class:`rag.Assistant` on a folder of articles with both.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


class FakeEmbedder:
    """Deterministic unit vectors of the text (8 dimensions)."""

    dimension = 8

    def embed_passages(self, texts, batch_size=16, progress=None):
        rows = [np.random.default_rng(sum(map(ord, t)) * 7919 + len(t)).normal(size=8) for t in texts]
        return np.asarray([r / np.linalg.norm(r) for r in rows], dtype=np.float32).reshape(len(texts), 8)

    def embed_queries(self, texts):
        return self.embed_passages(texts)


class NoChatModel:
    """A chat model that must not be asked: calling it fails the test."""

    name = "must-not-be-called"

    def __init__(self) -> None:
        self.calls = 0

    def stream(self, messages, **kwargs):
        self.calls += 1
        raise AssertionError(f"the chat model was called: {messages[-1]['content'][:200]!r}")


def fake_bot(home: Path, articles: Path, **settings):
    """An Assistant over ``articles`` (indexed now) with a fake embedder and a chat model that must not be called."""
    from rag import Assistant, load_settings

    bot = Assistant(load_settings(home=home, articles_dir=articles, **settings), embedder=FakeEmbedder(),
                    chat_model=NoChatModel())
    bot.index(progress=False)
    return bot
