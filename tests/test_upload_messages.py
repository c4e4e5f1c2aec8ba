"""What the library says of an upload, in the interface's language: `rag` gives each outcome a key and its
values (rag/library.py), the page says it from its own tables (ui/texts.py, ui/library_tab.py), with the
engine's English details folded away in Indonesian. Fake models (tests/fakes.py)."""

from __future__ import annotations

import json
import re

import pytest
from fakes import NoChatModel, copy_of_seeds, fake_assistant

from rag.errors import IndexWriteError, TanyaError
from rag.library import OUTCOME_KEYS, FileOutcome
from ui.library_tab import error_message, outcome_line, outcomes_markdown
from ui.texts import TEXTS


def _english_pieces() -> set[str]:
    pieces = {p.strip(" *():;.,`") for text in TEXTS["en"].values() for p in re.split(r"\{[^}]*\}", text)}
    own = {p.strip(" *():;.,`") for text in TEXTS["id"].values() for p in re.split(r"\{[^}]*\}", text)}
    return {p for p in pieces - own if len(p) >= 4}


def _outside_details(markdown: str) -> str:
    return re.sub(r"<details.*?</details>", " ", markdown, flags=re.S)


@pytest.fixture()
def outcomes(tmp_path) -> list[FileOutcome]:
    """One upload of each kind the library reports."""
    bot = fake_assistant(tmp_path / "home", copy_of_seeds(tmp_path / "articles"), chat_model=NoChatModel())
    files = {
        "pelabuhan.txt": "Pelabuhan Baru Diresmikan di Sulawesi\n\nPelabuhan peti kemas baru di Bitung diresmikan "
                         "pekan ini dan siap melayani kapal besar dari Asia Timur.\n",
        "catatan.xyz": "bukan artikel\n",
        "kosong.txt": "",
        "laporan.docx": "PK not a Word document",
        "kiriman.jsonl": "\n".join([json.dumps({"title": "Berita Satu", "text": "Isi berita pertama tentang "
                                                "pelabuhan di Sulawesi yang diresmikan pekan ini."}),
                                    json.dumps({"title": "Tanpa isi"})]) + "\n",
        "hampa.jsonl": json.dumps({"title": "Tanpa isi"}) + "\n",
    }
    paths = []
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(tmp_path / name)
    first = bot.add_files(paths)
    again = bot.add_files([tmp_path / "pelabuhan.txt"], names=["pelabuhan.txt"])  # the same file again
    other = tmp_path / "other.txt"
    other.write_text(files["pelabuhan.txt"].replace("Bitung", "Makassar"), encoding="utf-8")
    renamed = bot.add_files([other], names=["pelabuhan.txt"])  # another article of the same name
    return [*first, *again, *renamed]


def test_every_outcome_has_a_key_the_page_can_say_in_both_languages(outcomes):
    keys = [o.key for o in outcomes]
    assert keys == ["added", "refused_type", "refused_empty", "refused", "many", "refused_none_indexed",
                    "unchanged", "added"]
    assert outcomes[-1].values["renamed"] == "taken" and outcomes[-1].values["saved_as"] == "pelabuhan-2.txt"
    for key, needs in OUTCOME_KEYS.items():
        for lang in TEXTS:
            values = {"name": "x.txt", **{n: "1" for n in needs}, "renamed": "", "counts": "1"}
            assert TEXTS[lang][f"up_{key}"].format(**values)  # every placeholder has its value


def test_in_english_the_page_says_what_the_engine_says(outcomes):
    for outcome in outcomes[:-1]:  # (the last, renamed, says so in its own words)
        assert outcome_line(outcome, "en") == f"- {'✓' if outcome.ok else '✗'} {outcome.message}"


def test_in_indonesian_no_english_sentence_is_shown_only_details_folded_away(outcomes):
    markdown = outcomes_markdown(outcomes, "id")
    shown = _outside_details(markdown)
    assert "pelabuhan.txt: ditambahkan." in shown and "catatan.xyz: berkas berjenis .xyz tidak bisa" in shown
    assert "kosong.txt kosong." in shown and "kiriman.jsonl: 1 artikel: 1 ditambahkan. 1 dilewati." in shown
    assert "pelabuhan.txt: sudah terindeks." in shown
    assert "jadi disimpan sebagai pelabuhan-2.txt" in shown
    found = [p for p in _english_pieces() if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", shown)]
    assert not found
    assert "laporan.docx is not a readable Word (.docx) document" in markdown  # the reader's reason, folded
    assert markdown.count("<summary>Rincian (bahasa Inggris)</summary>") == 3  # .docx, the two .jsonl


def test_an_index_error_in_indonesian_says_its_kind_with_the_message_folded():
    error = IndexWriteError("Writing to the index failed: No space left on device. Free some space.")
    html = error_message(error, "id")
    assert "Menulis ke indeks gagal" in _outside_details(html)
    assert "No space left" not in _outside_details(html) and "No space left" in html
    assert "No space left" in error_message(error, "en") and "<details" not in error_message(error, "en")
    assert "Terjadi kesalahan." in error_message(TanyaError("boom"), "id")  # any other error of ours
