"""The embedding model the settings name: on this machine, or on an OpenAI-compatible server."""

from __future__ import annotations

from index import Embedder, load_embedder, server_embedder
from rag.settings import Settings


def load_embedder_for(settings: Settings) -> Embedder:
    """A server's model when ``TANYA_EMBED_BASE_URL`` is set (named ``settings.embed_model_name``, which the
    index records), else the local model ``TANYA_EMBED_MODEL`` run by ``TANYA_EMBED_BACKEND``."""
    if settings.embed_base_url:
        return server_embedder(settings.embed_base_url, model=settings.embed_model_name,
                               api_key=settings.embed_api_key, batch=settings.embed_api_batch)
    return load_embedder(settings.embed_model, settings.models_path, settings.threads, settings.embed_backend,
                         elsewhere=settings.other_models_paths)
