"""What the console shows while answering: llama.cpp's own lines stay off it (no model is loaded here)."""

from __future__ import annotations


def test_the_local_model_asks_llama_cpp_for_no_output(monkeypatch, tmp_path):
    import llama_cpp

    from rag.llm import LocalLlama

    made: dict = {}

    class Recorder:
        """Stands in for llama_cpp.Llama: records what it is asked for."""

        def __init__(self, **kwargs):
            made.update(kwargs)

    monkeypatch.setattr(llama_cpp, "Llama", Recorder)
    LocalLlama(tmp_path / "model.gguf", name="m", context_window=512, threads=1)
    assert made["verbose"] is False and made["model_path"] == str(tmp_path / "model.gguf")
