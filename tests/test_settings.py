from pathlib import Path

import pytest

from rag.errors import SettingsError
from rag.settings import Settings, load_settings


def test_defaults_are_sensible():
    s = load_settings()
    assert s.llm == "qwen2.5-coder-1.5b" and s.embed_model == "multilingual-e5-small"
    assert s.articles_dir.name == "articles" and s.models_path == s.home / "models"
    assert s.top_k >= 1 and s.threads >= 1


def test_environment_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("TANYA_HOME", str(tmp_path))
    monkeypatch.setenv("TANYA_TOP_K", "7")
    monkeypatch.setenv("TANYA_LLM", "/models/x.gguf")
    s = load_settings()
    assert (s.home, s.top_k, s.llm) == (tmp_path, 7, "/models/x.gguf")
    assert s.index_path == tmp_path / "index"


def test_config_file_and_precedence(monkeypatch, tmp_path):
    config = tmp_path / "tanya.toml"
    config.write_text('top_k = 3\nthreads = 1\nllm_base_url = "http://127.0.0.1:8080/v1"\n')
    monkeypatch.setenv("TANYA_CONFIG", str(config))
    monkeypatch.setenv("TANYA_THREADS", "2")
    s = load_settings(candidates=11)
    assert s.top_k == 3  # file
    assert s.threads == 2  # environment beats file
    assert s.candidates == 11  # keyword beats all
    assert s.llm_base_url == "http://127.0.0.1:8080/v1"


def test_config_file_in_home_is_read(monkeypatch, tmp_path):
    monkeypatch.delenv("TANYA_CONFIG")
    monkeypatch.setenv("TANYA_HOME", str(tmp_path))
    (tmp_path / "config.toml").write_text("top_k = 9\n")
    assert load_settings().top_k == 9


def test_bad_values_name_the_variable(monkeypatch):
    monkeypatch.setenv("TANYA_TOP_K", "many")
    with pytest.raises(SettingsError, match="TANYA_TOP_K"):
        load_settings()


@pytest.mark.parametrize("line,message", [
    ("topk = 3", "TOPK"),
    # a removed setting says what replaced it
    ("sentence_weight = 2.0", "TANYA_SENTENCE_WEIGHT: .*set sentence_weight_id and sentence_weight_en"),
])
def test_unknown_keys_in_config_file_are_refused(monkeypatch, tmp_path, line, message):
    config = tmp_path / "tanya.toml"
    config.write_text(line + "\n")
    monkeypatch.setenv("TANYA_CONFIG", str(config))
    with pytest.raises(SettingsError, match=message):
        load_settings()


@pytest.mark.parametrize("variable,message", [
    ("TANYA_TOPK", "TANYA_TOPK: Extra inputs are not permitted \\(did you mean TANYA_TOP_K\\?\\)"),
    ("TANYA_SENTENCE_WEIGHT", "TANYA_SENTENCE_WEIGHT: .*set sentence_weight_id and sentence_weight_en"),
    ("TANYA_NONSENSE", "TANYA_NONSENSE: Extra inputs are not permitted$"),
])
def test_unknown_environment_variables_are_refused_as_in_the_config_file(monkeypatch, variable, message):
    monkeypatch.setenv(variable, "1")
    with pytest.raises(SettingsError, match=message):
        load_settings()


def test_a_config_file_that_is_not_there_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("TANYA_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(SettingsError, match="TANYA_CONFIG: .*nope.toml is not a file"):
        load_settings()


def test_variables_for_the_setup_script_and_tests_are_not_settings(monkeypatch):
    monkeypatch.setenv("TANYA_WHEELS", "/wheels")
    assert load_settings().top_k >= 1


def test_malformed_config_file(monkeypatch, tmp_path):
    config = tmp_path / "tanya.toml"
    config.write_text("top_k = = 3\n")
    monkeypatch.setenv("TANYA_CONFIG", str(config))
    with pytest.raises(SettingsError, match="config file"):
        load_settings()


def test_settings_is_one_typed_object():
    assert isinstance(load_settings(), Settings)
    assert isinstance(load_settings(home="~/x").home, Path) and "~" not in str(load_settings(home="~/x").home)


@pytest.mark.parametrize("variable", ["TANYA_CHROMA_URL", "TANYA_LLM_BASE_URL"])
@pytest.mark.parametrize("value", ["localhost:8000", "chroma.example:8000", "ftp://host", "http://host:99999"])
def test_a_server_address_must_be_an_http_url(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=f"{variable}.*http://host:port"):
        load_settings()


def test_server_addresses_are_kept_and_blank_means_none(monkeypatch):
    monkeypatch.setenv("TANYA_CHROMA_URL", "https://chroma.example")
    monkeypatch.setenv("TANYA_LLM_BASE_URL", " ")
    s = load_settings()
    assert s.chroma_url == "https://chroma.example" and s.llm_base_url is None



def test_the_settings_reference_lists_every_setting_with_its_meaning():
    """docs/settings.md (written from the fields: tests/test_docs.py checks it is current) names every
    setting, each with a description, and no other."""
    import re

    doc = (Path(__file__).resolve().parent.parent / "docs" / "settings.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| `(TANYA_[A-Z0-9_]+)` \|", doc, flags=re.MULTILINE)
    assert sorted(listed) == sorted(f"TANYA_{name.upper()}" for name in Settings.model_fields)
    assert all(field.description for field in Settings.model_fields.values())


@pytest.mark.parametrize("k", [-5, 0, 101, 2.5, True, "3"])
def test_retrieve_refuses_a_number_of_passages_that_is_not_one(tmp_path, k):
    from rag import Assistant
    from rag.errors import QuestionError

    with pytest.raises(QuestionError, match="whole number from 1 to 100"):
        Assistant(load_settings(home=tmp_path)).retrieve("Kim", k=k)


def test_an_unknown_answer_language_is_refused_before_anything_loads(tmp_path):
    from rag import Assistant
    from rag.errors import QuestionError

    bot = Assistant(load_settings(home=tmp_path))
    with pytest.raises(QuestionError, match="Unknown answer language 'fr'.*'id'.*'en'"):
        bot.ask("Siapa Kim?", language="fr")  # type: ignore[arg-type]
    with pytest.raises(QuestionError, match="Unknown answer language"):
        bot.retrieve("Siapa Kim?", language="zh")  # type: ignore[arg-type]
    assert bot._store is None and bot._llm is None  # refused before loading anything
