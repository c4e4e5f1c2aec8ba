"""The library tab through gradio_client against the launched page, with fake models (none is loaded):
uploads the page used to refuse with a bare error (a name that is only an extension; files of many
articles) and removing one article of a file of many."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest
from fakes import NoChatModel, fake_assistant

SEEDS = Path(__file__).resolve().parent.parent / "data" / "articles"


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    from ui.app import launch

    articles = tmp_path_factory.mktemp("page-articles")
    shutil.copy(SEEDS / "000_f6ccf7329cada5fc.txt", articles)
    bot = fake_assistant(tmp_path_factory.mktemp("page-home"), articles, chat_model=NoChatModel())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = launch(bot, "127.0.0.1", port, block=False, quiet=True)
    yield bot, f"http://127.0.0.1:{port}/"
    app.close()


@pytest.fixture()
def client(page):
    from gradio_client import Client

    return Client(page[1], verbose=False)


def test_a_file_named_only_by_its_extension_is_added_not_an_error(client, page, tmp_path):
    from gradio_client import handle_file

    upload = tmp_path / ".txt"
    shutil.copy(SEEDS / "001_c3097b6ce2799c8a.txt", upload)
    message, summary, table, _choices, _files = client.predict([handle_file(str(upload))], "en",
                                                               api_name="/add_files")
    assert message == "- ✓ .txt: added (saved as article.txt)."
    assert "article" in {a.doc_id for a in page[0].articles()} and len(table["data"][0]) == 4  # titles, no ids


def test_an_unsupported_file_is_refused_with_its_reason_and_the_others_are_added(client, page, tmp_path):
    from gradio_client import handle_file

    odd, good = tmp_path / ".bashrc", tmp_path / "kereta.txt"
    odd.write_text("export PATH=/bin\n", encoding="utf-8")
    good.write_text("Kereta Cepat Angkut Sejuta Penumpang\n\nKereta cepat Jakarta-Bandung telah mengangkut sejuta "
                    "penumpang sejak beroperasi pada Oktober.\n", encoding="utf-8")
    message, *_ = client.predict([handle_file(str(odd)), handle_file(str(good))], "en", api_name="/add_files")
    assert "✗ .bashrc: files of type .bashrc cannot be indexed; supported:" in message
    assert "✓ kereta.txt: added." in message


def test_a_jsonl_upload_then_removing_one_of_its_articles(client, page, tmp_path):
    from gradio_client import handle_file

    bot, _ = page
    upload = tmp_path / "kiriman.jsonl"
    upload.write_text("\n".join(json.dumps({"title": f"Berita {n}", "text": f"Isi berita nomor {n} tentang "
                                            f"pelabuhan {n} di Sulawesi yang diresmikan pekan ini."})
                                for n in (1, 2, 3)) + "\n", encoding="utf-8")
    message, _summary, table, *_ = client.predict([handle_file(str(upload))], "en", api_name="/add_files")
    assert message == "- ✓ kiriman.jsonl: 3 articles: 3 added."
    assert {"Berita 1", "Berita 2", "Berita 3"} <= {row[0] for row in table["data"]}
    assert {"kiriman-1", "kiriman-2", "kiriman-3"} <= {a.doc_id for a in bot.articles()}

    message, _summary, table, *_ = client.predict("kiriman-2", "en", api_name="/remove_article")
    assert "holds other articles too: the file stays" in message
    bot.index(progress=False)  # the folder indexed again: the other two stay, the removed one stays out
    ids = {a.doc_id for a in bot.articles()}
    assert {"kiriman-1", "kiriman-3"} <= ids and "kiriman-2" not in ids
