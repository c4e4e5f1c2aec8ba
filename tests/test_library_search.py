"""The library table (ui/library_tab.py): titles without ids, a search that narrows it, a row found again by
what it shows. Fake models (tests/fakes.py)."""

from __future__ import annotations

import pytest
from fakes import NoChatModel, fake_assistant

from ui.library_tab import row_article, search, view
from ui.session import Session


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    return fake_assistant(tmp_path_factory.mktemp("search-home"), chat_model=NoChatModel())


def test_the_table_shows_titles_and_no_ids(bot):
    summary, table, choices = view(bot, "en")
    assert table["headers"] == ["Title", "Publisher", "Date", "Passages"]
    assert len(table["data"]) == 5 and not any("001_c3097b6ce2799c8a" in map(str, row) for row in table["data"])
    assert all(doc not in label for label, doc in choices["choices"])  # the remove list: titles too
    assert summary == f"5 articles, {bot.store.count()} passages in the index."


def test_the_search_keeps_the_rows_holding_every_word_and_is_remembered(bot):
    session = Session()
    summary, table, choices = search(bot, "PULANG  korut", "id", session)
    assert [row[0] for row in table["data"]] == ["Pulang ke Korut, Kim Jong-un Doakan Rusia Sejahtera dan Makmur"]
    assert summary.endswith("1 cocok dengan “PULANG  korut”.")
    assert [doc for _, doc in choices["choices"]] == ["001_c3097b6ce2799c8a"]  # the remove list follows
    assert [row[0] for row in view(bot, "en", session)[1]["data"]] == [table["data"][0][0]]  # e.g. after an upload
    assert len(search(bot, "bisnis.com", "en", session)[1]["data"]) == 2  # any column: the publisher
    assert len(search(bot, "", "en", session)[1]["data"]) == 5


def test_a_row_is_found_again_by_what_it_shows(bot):
    _, table, _ = view(bot, "en")
    for row in table["data"]:
        assert row_article(bot.articles(), row, "en").title == row[0]
    assert row_article(bot.articles(), ["Tidak ada", "", "", 1], "en") is None
