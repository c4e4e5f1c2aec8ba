"""The page through gradio_client against the launched app: ask, stream, stop, sources, upload, remove,
settings. The tiny model writes nonsense: these tests check structure, never wording."""

from __future__ import annotations

import html
import logging
import re
import time

import pytest

QUESTION = "Siapa yang memberikan rompi antipeluru kepada Kim Jong Un?"
OFF_TOPIC = "Berapa skor pertandingan Persija melawan Persib di Jakarta?"
LINK = re.compile(r'href="#tb-cite-(\d+)-(p?\d+)"')

NEW_ARTICLE = """Banjir Rob Rendam Pesisir Utara Jakarta

Kompas.com, JAKARTA - Banjir rob kembali merendam permukiman warga di Muara Angke, Jakarta Utara, pada Selasa \
(3/10/2023).

Ketinggian air mencapai 40 sentimeter di beberapa ruas jalan. Petugas menyiagakan pompa portabel di tiga titik.
"""


@pytest.fixture()
def client(ui_url):
    """A fresh browser-tab-like session (its own conversation and settings)."""
    from gradio_client import Client

    return Client(ui_url, verbose=False)


def _content(message) -> str:
    """A chat message's HTML (Gradio sends a string or a list of parts)."""
    content = message["content"]
    if isinstance(content, list):
        return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return str(content)


def _ask(client, question, answer_language="auto", ui_language="en"):
    return client.predict(question, [], answer_language, ui_language, api_name="/ask")


def _plain(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def test_ask_shows_only_checked_sentences_then_the_answer(client):
    job = client.submit(QUESTION, [], "auto", "en", api_name="/ask")
    while not job.done():
        time.sleep(0.05)
    outputs = job.outputs()
    chats = [o[0] for o in outputs]
    kinds = [re.search(r'class="tb-answer (tb-\w+)', _content(c[-1])).group(1) for c in chats if len(c) == 2]
    assert kinds[0] == "tb-pending"  # "Reading the sources…" while the model reads (then checks what it writes)
    assert kinds[-1] in ("tb-answered", "tb-abstain")  # then the checked answer
    final = _content(chats[-1][-1])
    shown = [_plain(re.search(r'<div class="tb-text">(.*?)<span class="tb-cursor"', _content(c[-1])).group(1))
             for c in chats if len(c) == 2 and "tb-streaming" in _content(c[-1])]
    answer_text = _plain(re.search(r'<div class="tb-text">(.*?)</div>', final).group(1))
    assert all(answer_text.startswith(text) for text in shown)  # only checked sentences, never taken back
    assert _plain(_content(chats[-1][0])) == QUESTION
    assert outputs[-1][1] == ""  # the question box is cleared
    text = re.search(r'<div class="tb-text">(.*?)</div>', final).group(1)
    cited = re.findall(r"\[(\d+)\]", _plain(text))
    links = LINK.findall(text)
    assert [n for _, n in links] == cited  # every [n] in the answer is a link to its source
    if kinds[-1] == "tb-answered":
        assert cited and "Sources" in final
    assert "tb-copytext" in final and "Copy answer with sources" in final


def test_a_cited_source_opens_highlighted_in_its_article(client, ui_bot):
    chat, *_ = _ask(client, QUESTION)
    final = _content(chat[-1])
    links = LINK.findall(final)
    assert links, "an answer or abstention always links to passages"
    turn, key = links[0]
    panel = client.predict(f"{turn}:{key}:1", "en", api_name="/open_source")
    title = re.search(r"<h3>(.*?)</h3>", panel).group(1)
    doc = next(a for a in ui_bot.articles() if html.escape(a.title) == title)
    marked = [_plain(m) for m in re.findall(r'<mark class="tb-mark"[^>]*>(.*?)</mark>', panel, re.S)]
    assert marked and "The cited passage is highlighted" in panel
    article = " ".join(ui_bot.article_text(doc.doc_id).split())
    assert all(m in article for m in marked)
    # The highlight is the passage the answer rests on (shown, shortened, under the answer).
    snippet = _plain(re.search(rf'href="#tb-cite-{turn}-{key}"[^>]*>.*?<div class="tb-snippet">(.*?)</div>',
                               final).group(1)).strip("“”… ")
    assert snippet[:60] in " ".join(marked)
    if doc.publisher:
        assert doc.publisher in panel


def test_abstention_looks_different_and_shows_what_the_sources_cover(client):
    chat, *_ = _ask(client, OFF_TOPIC)
    final = _content(chat[-1])
    assert 'class="tb-answer tb-abstain"' in final and "Not found in the sources" in final
    assert "tidak menyebutkan" in final  # the engine's abstention, in the question's language
    assert "Closest passages found" in final and "#tb-cite-" in final


def test_answer_language_override(client, ui_bot):
    chat, *_ = _ask(client, OFF_TOPIC, answer_language="en")
    assert "The sources do not say." in _content(chat[-1])


def test_empty_question_is_a_message_not_an_error(client):
    chat, box, notice = _ask(client, "   ")  # (the Ask/Stop button updates are not part of the API's answer)
    assert chat == [] and box == "" and notice == "Type a question first."


def test_stop_ends_the_answer_and_the_next_one_works(client):
    job = client.submit(QUESTION, [], "auto", "en", api_name="/ask")
    while not job.outputs():
        time.sleep(0.02)
    client.predict(api_name="/stop")
    while not job.done():
        time.sleep(0.05)
    assert 'class="tb-answer tb-stopped"' in _content(job.outputs()[-1][0][-1])
    # The engine's lock was released in its own thread: the next answer is not stuck behind it.
    chat, *_ = _ask(client, QUESTION)
    assert re.search(r'class="tb-answer tb-(answered|abstain)"', _content(chat[-1]))


def test_follow_up_questions_use_the_conversation(ui_bot, monkeypatch):
    from ui import chat as chat_ui
    from ui.session import Session

    seen = []
    real_events = type(ui_bot).events

    def spy(self, question, history=None, **kw):
        seen.append(list(history or []))
        return real_events(self, question, history, **kw)

    monkeypatch.setattr(type(ui_bot), "events", spy)
    session = Session()
    *_, first = chat_ui.ask(ui_bot, OFF_TOPIC, [], "auto", "en", session)
    *_, second = chat_ui.ask(ui_bot, "Dan siapa yang mencetak gol?", first[0], "auto", "en", session)
    assert seen[0] == [] and seen[1] == [(OFF_TOPIC, session.turns[0].answer)]
    assert len(second[0]) == 4
    chat_ui.new_conversation("en", session)
    assert session.history() == []


def test_library_lists_the_articles(client, ui_bot):
    summary, table, choices = client.predict("en", api_name="/library")
    assert summary == f"5 articles, {ui_bot.store.count()} passages in the index."
    assert table["headers"] == ["Title", "Publisher", "Date", "Passages"]  # titles, no ids
    rows = {row[0]: row for row in table["data"]}
    assert rows["Pulang ke Korut, Kim Jong-un Doakan Rusia Sejahtera dan Makmur"][1:3] == ["Bisnis.com",
                                                                                          "September 18, 2023"]


def test_upload_then_remove_an_article(client, ui_bot, tmp_path):
    from gradio_client import handle_file

    good = tmp_path / "banjir-rob.txt"
    good.write_text(NEW_ARTICLE, encoding="utf-8")
    empty = tmp_path / "kosong.txt"
    empty.write_text("", encoding="utf-8")
    before = ui_bot.store.count()
    message, summary, table, _choices, _files = client.predict(
        [handle_file(str(good)), handle_file(str(empty))], "en", api_name="/add_files")
    assert "✓ banjir-rob.txt: added." in message and "✗ kosong.txt is empty." in message
    assert summary.startswith("6 articles") and "banjir-rob" in {a.doc_id for a in ui_bot.articles()}
    assert "Banjir Rob Rendam Pesisir Utara Jakarta" in [row[0] for row in table["data"]]
    assert ui_bot.retrieve("banjir rob Muara Angke", k=1)[0].doc_id == "banjir-rob"  # the chat sees it at once

    message, summary, table, _choices, _preview = client.predict("banjir-rob", "en", api_name="/remove_article")
    assert message.startswith("Removed: **Banjir Rob Rendam Pesisir Utara Jakarta**")
    assert "so that it is not indexed again" in message
    assert summary.startswith("5 articles") and "Banjir Rob Rendam Pesisir Utara Jakarta" not in [
        row[0] for row in table["data"]]
    assert ui_bot.store.count() == before


def test_removing_an_article_another_tab_removed_is_a_readable_message(client, ui_bot, tmp_path):
    upload = tmp_path / "sementara.txt"
    upload.write_text(NEW_ARTICLE.replace("Banjir Rob", "Rob Lagi"), encoding="utf-8")
    assert ui_bot.add_files([upload])[0].status == "added"
    client.predict("en", api_name="/library")  # this tab lists it...
    ui_bot.remove_article("sementara")  # ...another removes it
    message, *_ = client.predict("sementara", "en", api_name="/remove_article")
    assert "The article sementara is not in the library" in message and "Traceback" not in message


def test_session_settings_change_top_k_and_report_a_missing_model(client, ui_bot):
    status, table, _model = client.predict(2, ui_bot.settings.llm, "en", api_name="/apply_settings")
    assert status == f"This session uses **{ui_bot.settings.llm}**, top-k **2**."
    assert "| Passages the model reads (top-k) | `2` |" in table
    chat, *_ = _ask(client, OFF_TOPIC)  # abstentions list the closest passages: top-k of them at most
    keys = {key for _, key in LINK.findall(_content(chat[-1]))}
    assert keys == {"p1", "p2"}
    assert ui_bot.settings.top_k == 4  # other sessions keep the configured value



def test_a_missing_model_is_reported_in_the_settings_tab(ui_bot, tmp_path):
    from ui import settings_tab
    from ui.session import Session

    session = Session()
    status, table, model = settings_tab.apply(ui_bot, 3, str(tmp_path / "missing.gguf"), "en", session)
    assert status.startswith("⚠ Language model") and "not found" in status
    assert session.settings == {} and model["value"] == ui_bot.settings.llm  # the switch goes back
    assert f"| Language model | `{ui_bot.settings.llm}` |" in table


def test_unexpected_errors_are_logged_and_shown_generically(caplog):
    from ui.chat import readable

    with caplog.at_level(logging.ERROR, logger="tanya.ui"):
        try:
            raise KeyError("internal detail")
        except KeyError as exc:
            message = readable(exc, "en")
    assert message == "Something went wrong. The server log has the details."
    assert "internal detail" not in message and "KeyError" in caplog.text and caplog.records[0].exc_info


def test_a_second_question_while_answering_is_told_to_wait(ui_bot):
    from ui import chat as chat_ui
    from ui.session import Session

    session = Session()
    running = chat_ui.ask(ui_bot, OFF_TOPIC, [], "auto", "en", session)
    next(running)  # the first answer has started
    *_, busy = chat_ui.ask(ui_bot, "Pertanyaan kedua?", [], "auto", "en", session)
    assert busy[1] == "Pertanyaan kedua?" and busy[-1] == "Wait for the answer being written, or stop it first."
    *_, done = running
    assert 'class="tb-answer tb-abstain"' in done[0][-1]["content"]
    assert not session.answering and len(session.turns) == 1


def test_a_forged_host_header_is_refused(ui_url):
    """DNS rebinding: a page on evil.example that resolves its name to 127.0.0.1 sends Host: evil.example."""
    import httpx

    assert httpx.get(ui_url, timeout=30).status_code == 200
    assert httpx.get(ui_url, headers={"Host": "localhost"}, timeout=30).status_code == 200
    for forged in ("evil.example", "evil.example:7860", "127.0.0.1.evil.example"):
        response = httpx.get(ui_url, headers={"Host": forged}, timeout=30)
        assert response.status_code == 400, forged
        config = httpx.get(ui_url + "config", headers={"Host": forged}, timeout=30)
        assert config.status_code == 400 and "Kim" not in config.text


def test_a_forged_host_header_cannot_write_either(ui_url, ui_bot):
    """The writes a rebinding page would try (upload a file, queue a call, e.g. removing an article) are refused
    before Gradio sees them; the same requests with the page's own Host reach Gradio."""
    import httpx

    before = len(ui_bot.articles())
    upload = {"files": ("evil.txt", b"Judul\n\nIsi berita palsu.", "text/plain")}
    join = {"data": [], "fn_index": 0, "session_hash": "rebinding", "event_data": None, "trigger_id": None}
    for forged in ("evil.example", "evil.example:7860"):
        headers = {"Host": forged, "Origin": f"http://{forged}"}
        refused = httpx.post(ui_url + "gradio_api/upload", files=upload, headers=headers, timeout=30)
        assert refused.status_code == 400 and "Invalid host header" in refused.text, forged
        queued = httpx.post(ui_url + "gradio_api/queue/join", json=join, headers=headers, timeout=30)
        assert queued.status_code == 400 and "Invalid host header" in queued.text, forged
    # the control: with the page's own Host the same upload reaches Gradio, which stores it as a temporary file
    accepted = httpx.post(ui_url + "gradio_api/upload", files=upload, timeout=30)
    assert accepted.status_code == 200 and accepted.json()[0].endswith("evil.txt")
    assert len(ui_bot.articles()) == before  # an upload alone adds no article: the page's button does


def test_allowed_hosts_follow_the_address_bound_and_the_setting():
    from ui.app import allowed_hosts

    assert set(allowed_hosts("127.0.0.1", [])) == {"127.0.0.1", "localhost", "::1", "[::1]"}
    assert allowed_hosts("192.168.1.5", ["news.example"]) == ["192.168.1.5", "news.example"]
    assert "localhost" in allowed_hosts("0.0.0.0", [])
