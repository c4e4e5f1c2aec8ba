"""Shared fixtures. Tests never touch the user's index: each session gets its own TANYA_HOME.

Converted models are shared with the app (they take ~30 s to build once) under
TANYA_TEST_MODELS_DIR, default the app's own models folder.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tanya import environment

environment.configure()  # as the `tanya` command does: offline, no telemetry

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "data" / "articles"


def pytest_collection_modifyitems(config, items):
    """Every test that needs model files (through the ``models_dir`` fixture, or marked slow) is marked
    ``models``: ``pytest -m "not models"`` runs the rest in seconds, even before any model is built."""
    for item in items:
        if "models_dir" in getattr(item, "fixturenames", ()) or item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.models)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path_factory):
    """No TANYA_* from the developer's shell leaks into a test."""
    for key in list(os.environ):
        if key.startswith("TANYA_") and key != "TANYA_TEST_MODELS_DIR":
            monkeypatch.delenv(key)
    empty = tmp_path_factory.getbasetemp() / "empty-config.toml"
    empty.touch()
    monkeypatch.setenv("TANYA_CONFIG", str(empty))


@pytest.fixture(scope="session")
def models_dir() -> Path:
    from rag.settings import _default_home

    return Path(os.environ.get("TANYA_TEST_MODELS_DIR") or _default_home() / "models")


@pytest.fixture(scope="session")
def seed_articles(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("articles")
    for f in SEEDS.glob("*.txt"):
        shutil.copy(f, folder / f.name)
    return folder


@pytest.fixture(scope="session")
def embedder(models_dir):
    from index import load_embedder

    return load_embedder("multilingual-e5-small", models_dir, threads=2, backend="torch")


@pytest.fixture(scope="session")
def tiny_bot(tmp_path_factory, models_dir, seed_articles, embedder):
    """An Assistant on the seed articles with the tiny SmolLM2 model (plumbing only: never assert its wording)."""
    from rag import Assistant, load_settings

    home = tmp_path_factory.mktemp("tiny-home")
    bot = Assistant(load_settings(home=home, models_dir=models_dir, articles_dir=seed_articles, llm="smollm2-135m",
                                  threads=2, max_answer_tokens=48), embedder=embedder)
    return bot


@pytest.fixture(scope="session")
def ui_bot(tmp_path_factory, models_dir, seed_articles, embedder):
    """An Assistant of its own for the UI tests (they add and remove articles), tiny model, seed articles."""
    from rag import Assistant, load_settings

    articles = tmp_path_factory.mktemp("ui-articles")
    for f in seed_articles.glob("*.txt"):
        shutil.copy(f, articles / f.name)
    bot = Assistant(load_settings(home=tmp_path_factory.mktemp("ui-home"), models_dir=models_dir,
                                  articles_dir=articles, llm="smollm2-135m", threads=2, max_answer_tokens=48),
                    embedder=embedder)
    bot.prepare(model=False)  # index before serving
    return bot


@pytest.fixture(scope="session")
def ui_url(ui_bot):
    """The page, launched once for the session on a free local port."""
    import socket

    from ui.app import launch

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = launch(ui_bot, "127.0.0.1", port, block=False, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    app.close()
