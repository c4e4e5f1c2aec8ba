"""A new TANYA_HOME does not silently build the models again: a built-in model missing from its `models/` that
the default data folder's `models/` holds, built and checked, is used from there, and the log says so
(rag/model_files.py, index/embedding.py, `Settings.other_models_paths`). Fake model files; no model is built."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fakes import NoChatModel, builtin_model_of_parts, fake_assistant

from index import e5_convert, onnx_embedding
from index.embedding import BUILTIN_E5
from rag import llm, load_settings
from rag.embedding import load_embedder_for
from rag.model_files import BuiltinGGUF, assemble_gguf
from ui import settings_tab
from ui.session import Session

NAME = settings_tab.FAST_LLM


@pytest.fixture
def default_models(tmp_path, monkeypatch) -> Path:
    """The default data folder's models folder (XDG_DATA_HOME points into the test's folder)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "tanya-berita" / "models"


@pytest.fixture
def fast_model(tmp_path, monkeypatch) -> BuiltinGGUF:
    """The fast model's spec over two small part files (modules in sys.modules, as its packages would be)."""
    return builtin_model_of_parts(tmp_path, monkeypatch, NAME, [b"GGUF" + b"a" * 996, b"b" * 1000])


@pytest.fixture
def loaded(monkeypatch) -> list[Path]:
    """The GGUF files the local model would load (llama.cpp is not started)."""
    paths: list[Path] = []
    monkeypatch.setattr(llm, "LocalLlama", lambda path, **_: paths.append(path) or path)
    return paths


def test_a_new_home_uses_the_default_homes_assembled_model_and_says_so(tmp_path, default_models, fast_model,
                                                                         loaded, capsys):
    assembled = assemble_gguf(fast_model, default_models, progress=False)
    settings = load_settings(home=tmp_path / "new-home", llm=NAME)
    assert settings.other_models_paths == (default_models,)

    llm.load_chat_model(settings)

    assert loaded == [assembled]
    assert not (tmp_path / "new-home" / "models").exists()  # nothing written, nothing rebuilt
    said = capsys.readouterr().err
    assert f"Using {NAME} from {default_models}" in said and str(tmp_path / "new-home" / "models") in said
    assert "TANYA_MODELS_DIR" in said


def test_the_settings_tab_counts_no_disk_for_a_model_the_default_home_holds(tmp_path, default_models, fast_model):
    assemble_gguf(fast_model, default_models, progress=False)
    bot = fake_assistant(tmp_path / "new-home", chat_model=NoChatModel())
    said = settings_tab.cost_notice(bot, NAME, "en", Session())
    assert said.startswith(f"Switching to **{NAME}**: its file is already on disk"), said


def test_a_damaged_file_in_the_default_home_is_not_used(tmp_path, default_models, fast_model, loaded, capsys):
    assembled = assemble_gguf(fast_model, default_models, progress=False)
    assembled.write_bytes(b"GGUF truncated")  # its record's size no longer matches

    llm.load_chat_model(load_settings(home=tmp_path / "new-home", llm=NAME))

    assert loaded == [tmp_path / "new-home" / "models" / "fast.gguf"]
    assert loaded[0].read_bytes() == b"GGUF" + b"a" * 996 + b"b" * 1000
    assert f"Assembling {NAME} (0.0 GB) into {tmp_path / 'new-home' / 'models'}" in capsys.readouterr().err


def test_a_models_folder_set_explicitly_is_where_the_model_goes(tmp_path, default_models, fast_model, loaded):
    assemble_gguf(fast_model, default_models, progress=False)
    chosen = tmp_path / "chosen-models"
    settings = load_settings(home=tmp_path / "new-home", models_dir=chosen, llm=NAME)
    assert settings.other_models_paths == ()

    llm.load_chat_model(settings)

    assert loaded == [chosen / "fast.gguf"]


def test_the_default_home_looks_nowhere_else(default_models):
    assert load_settings().models_path == default_models
    assert load_settings().other_models_paths == ()


def _fake_e5(models: Path) -> Path:
    folder = models / BUILTIN_E5
    folder.mkdir(parents=True)
    (folder / e5_convert.MANIFEST).write_text("{}", encoding="utf-8")
    (folder / "model.safetensors").write_bytes(b"weights")
    return folder


def _fake_onnx_export(models: Path, source: Path) -> Path:
    folder = onnx_embedding.onnx_folder(models, source)
    folder.mkdir(parents=True)
    (folder / onnx_embedding.MODEL_FILE).write_bytes(b"onnx")
    (folder / "tokenizer.json").write_text("{}", encoding="utf-8")
    (folder / onnx_embedding.MANIFEST).write_text(json.dumps({"source": str(source)}), encoding="utf-8")
    return folder


@pytest.fixture
def nothing_built(monkeypatch) -> list[Path]:
    """Building or exporting the embedding model fails the test; the ONNX folders opened are recorded."""
    opened: list[Path] = []

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the embedding model was built again")

    monkeypatch.setattr(e5_convert, "convert_e5", refuse)
    monkeypatch.setattr(onnx_embedding, "export_onnx", refuse)
    monkeypatch.setattr(onnx_embedding, "OnnxEncoder", lambda folder, threads=None: opened.append(folder) or folder)
    return opened


def test_a_new_home_uses_the_default_homes_embedding_model_and_its_onnx_export(tmp_path, default_models,
                                                                               nothing_built, capsys):
    e5 = _fake_e5(default_models)
    export = _fake_onnx_export(default_models, e5)

    embedder = load_embedder_for(load_settings(home=tmp_path / "new-home", embed_backend="onnx"))

    assert nothing_built == [export] and embedder.model == export
    assert not (tmp_path / "new-home" / "models").exists()
    said = capsys.readouterr().err
    assert f"Using {BUILTIN_E5} from {e5}" in said and f"the ONNX export of {BUILTIN_E5} from {export}" in said


def test_an_onnx_export_of_another_source_is_not_used(tmp_path, default_models, nothing_built):
    _fake_e5(tmp_path / "new-home" / "models")  # this home has its own converted model...
    _fake_onnx_export(default_models, default_models / BUILTIN_E5)  # ...the default home's export is of its own

    with pytest.raises(AssertionError, match="built again"):
        load_embedder_for(load_settings(home=tmp_path / "new-home", embed_backend="onnx"))
