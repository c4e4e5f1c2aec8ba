"""The research workbench in a real browser (Debian's Chromium through Playwright), with the fake models of
tests/fakes.py so that it runs anywhere: a conversation surviving a reload and a server restart, renamed
and deleted; downloads of an answer and of a conversation that parse and hold every citation; a question
restricted to chosen articles citing only them; the page in one language at a time (its text, its labels for
screen readers, Gradio's pop-ups, an abstention on screen); an upload landing under TANYA_HOME, not in the
checkout; no grey "processing" overlay over the page while it loads. Skipped (a failure in CI) without Chromium
or Playwright, as tests/test_ui_browser.py."""

from __future__ import annotations

import json
import re
import shutil
import socket
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from fakes import fake_assistant
from test_ui_browser import browser  # noqa: F401  (the fixture: Chromium, or a skip saying why)

QUESTION = "Siapa yang memberikan rompi antipeluru kepada Kim Jong Un?"
SECOND = "Kapan Kim Jong Un pulang ke Korea Utara dengan kereta?"
TIMEOUT_MS = 60_000
ANSWER = "#tb-chat .tb-answered, #tb-chat .tb-abstain"


class Server:
    """The page over a fake-model assistant on a fixed port; :meth:`restart` stops it and starts a new
    process's worth of it (a new Assistant) on the same home, index and port. ``articles`` None: the articles
    folder unset (the bundled articles; uploads under ``home/library``)."""

    def __init__(self, home: Path, articles: Path | None) -> None:
        self.home, self.articles = home, articles
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.app = None
        self.start()

    def start(self) -> None:
        from ui.app import launch

        self.bot = fake_assistant(self.home, self.articles, bundled=self.articles is None)
        self.app = launch(self.bot, "127.0.0.1", self.port, block=False, quiet=True)

    def restart(self) -> None:
        self.stop()
        self.start()

    def stop(self) -> None:
        if self.app is not None:
            self.app.close()
            self.app = None


@pytest.fixture(scope="module")
def server(tmp_path_factory, seed_articles):
    articles = tmp_path_factory.mktemp("workbench-articles")
    for f in seed_articles.glob("*.txt"):
        shutil.copy(f, articles / f.name)
    server = Server(tmp_path_factory.mktemp("workbench-home"), articles)
    yield server
    server.stop()


@pytest.fixture()
def context(browser):  # noqa: F811
    context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 1100}, accept_downloads=True)
    yield context
    context.close()


@pytest.fixture()
def page(context, server):
    page = context.new_page()
    page.goto(server.url)
    from playwright.sync_api import expect

    expect(page.locator("#tb-ask")).to_have_text("Ask", timeout=TIMEOUT_MS)
    return page


def ask(page, question: str):
    """Ask in the page and wait for the checked answer (and the conversation's id in the address)."""
    from playwright.sync_api import expect

    before = page.locator(ANSWER).count()
    page.locator("#tb-question textarea").fill(question)
    page.locator("#tb-ask").click()
    expect(page.locator(ANSWER)).to_have_count(before + 1, timeout=TIMEOUT_MS)
    expect(page).to_have_url(re.compile(r"\?c=[0-9a-f]+"), timeout=TIMEOUT_MS)
    return page.locator(ANSWER).last


def conversation_id(page) -> str:
    return parse_qs(urlparse(page.url).query)["c"][0]


def cited_titles(answer) -> list[str]:
    return [t.strip() for t in answer.locator(".tb-sources:not(.tb-closest) .tb-source-title").all_inner_texts()]


def test_a_conversation_survives_a_reload_and_a_server_restart(page, server):
    from playwright.sync_api import expect

    first = ask(page, QUESTION)
    titles = cited_titles(first)
    assert titles, "the fake model quotes source [1]: the answer is cited"
    cid = conversation_id(page)
    assert [t.question for t in server.bot.conversations.load(cid).turns] == [QUESTION]

    page.reload()
    answer = page.locator(ANSWER).last
    expect(answer).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#tb-chat .tb-question")).to_have_text([QUESTION])
    assert cited_titles(answer) == titles
    answer.locator(".tb-text a.tb-cite").first.click()  # the restored answer's links open their sources
    expect(page.locator("#tb-source-panel mark.tb-mark").first).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#tb-conversations input")).to_have_value(re.compile(re.escape(QUESTION[:30])))

    server.restart()  # a new process's Assistant on the same TANYA_HOME
    page.goto(server.url + f"?c={cid}")
    expect(page.locator("#tb-chat .tb-question")).to_have_text([QUESTION], timeout=TIMEOUT_MS)
    assert cited_titles(page.locator(ANSWER).last) == titles
    ask(page, SECOND)  # and it goes on: the next question joins the same saved conversation
    assert conversation_id(page) == cid
    assert [t.question for t in server.bot.conversations.load(cid).turns] == [QUESTION, SECOND]


def test_rename_and_delete_a_conversation(page, server):
    from playwright.sync_api import expect

    ask(page, QUESTION)
    cid = conversation_id(page)
    page.locator("#tb-conversation-name input").fill("Rompi untuk Kim")
    page.locator("#tb-rename").click()
    expect(page.locator("#tb-conversations input")).to_have_value(re.compile("^Rompi untuk Kim · "),
                                                                  timeout=TIMEOUT_MS)
    assert server.bot.conversations.load(cid).title == "Rompi untuk Kim"

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#tb-delete-conversation").click()
    expect(page.locator("#tb-chat .tb-question")).to_have_count(0, timeout=TIMEOUT_MS)
    expect(page).not_to_have_url(re.compile(r"\?c="), timeout=TIMEOUT_MS)
    assert cid not in {s.id for s in server.bot.conversations.list()}


def _download(page, locator) -> tuple[str, str]:
    with page.expect_download(timeout=TIMEOUT_MS) as info:
        locator.click()
    download = info.value
    return download.suggested_filename, Path(download.path()).read_text(encoding="utf-8")


def test_downloads_parse_and_hold_every_citation(page, server):
    from playwright.sync_api import expect

    answer = ask(page, QUESTION)
    titles = cited_titles(answer)
    numbers = [int(n) for n in re.findall(r"\[(\d+)\]", answer.locator(".tb-text").inner_text())]
    assert titles and numbers

    name, text = _download(page, answer.locator("a.tb-download", has_text="JSON"))
    data = json.loads(text)
    assert name.endswith(".json") and data["kind"] == "answer" and data["question"] == QUESTION
    cited = data["answer"]["citations"]
    assert [c["title"] for c in cited] == titles and {c["number"] for c in cited} == set(numbers)
    for c in cited:
        assert c["sentences"] and all(s.strip() for s in c["sentences"])
        assert c["file"] and c["file"].endswith(".txt") and c["publisher"] is not None and c["date"]

    name, md = _download(page, answer.locator("a.tb-download", has_text="Markdown"))
    assert name.endswith(".md") and md.startswith(f"## {QUESTION}")
    for c in cited:
        assert f"{c['number']}. **{c['title']}**" in md and c["sentences"][0][:40] in md.replace("\\", "")

    ask(page, SECOND)
    expect(page.locator("#tb-export-json")).to_be_visible(timeout=TIMEOUT_MS)
    for _ in range(40):  # the buttons get the new files just after the answer is shown
        _, text = _download(page, page.locator("#tb-export-json"))
        conversation = json.loads(text)
        if len(conversation["turns"]) == 2:
            break
        page.wait_for_timeout(250)
    assert conversation["kind"] == "conversation" and conversation["id"] == conversation_id(page)
    assert [t["question"] for t in conversation["turns"]] == [QUESTION, SECOND]
    assert conversation["turns"][0]["answer"]["citations"] == cited
    _, md = _download(page, page.locator("#tb-export-md"))
    assert f"## 1. {QUESTION}" in md and f"## 2. {SECOND}" in md


def _choose(page, dropdown: str, option: str) -> None:
    """Pick ``option`` in a multiselect dropdown as a person would: type its beginning, take the match."""
    from playwright.sync_api import expect

    box = page.locator(f"{dropdown} input")
    box.click()
    box.press_sequentially(option[:30], delay=10)
    expect(page.get_by_role("option", name=option)).to_have_count(1, timeout=TIMEOUT_MS)
    box.press("Enter")
    box.press("Escape")


def test_a_restricted_question_cites_only_the_chosen_articles(page, server):
    from playwright.sync_api import expect

    everything = ask(page, QUESTION)
    unrestricted = set(cited_titles(everything))
    articles = server.bot.articles()
    chosen = [a for a in articles if a.title not in unrestricted][:2]
    assert len(chosen) == 2

    page.locator("#tb-choose-sources").get_by_text("Choose sources").click()
    for article in chosen:
        label = " · ".join(x for x in (article.title, article.publisher) if x)
        _choose(page, "#tb-src-articles", label)
    chips = page.locator("#tb-chips .tb-chip-article")
    expect(chips).to_have_count(2, timeout=TIMEOUT_MS)
    assert sorted(chips.all_inner_texts()) == sorted(a.title for a in chosen)

    answer = ask(page, QUESTION)
    titles = cited_titles(answer)
    assert titles and set(titles) <= {a.title for a in chosen}
    turn = server.bot.conversations.load(conversation_id(page)).turns[-1]
    assert turn.filters == {"doc_id": [a.doc_id for a in chosen]}
    assert {c.doc_id for c in turn.answer.citations} <= {a.doc_id for a in chosen}

    page.locator("#tb-all-sources").click()
    expect(page.locator("#tb-chips .tb-chip-all")).to_have_text("Every article in the library", timeout=TIMEOUT_MS)


def _foreign(lang: str) -> list[str]:
    """The interface texts of the other language that this one does not share: each piece between placeholders
    (a text that begins with its file's name is checked too)."""
    from ui.texts import TEXTS

    def pieces(language: str) -> set[str]:
        return {piece.strip(" *():;.,`") for text in TEXTS[language].values()
                for piece in re.split(r"\{[^}]*\}|<br>", text)}

    return sorted(piece for piece in pieces("en" if lang == "id" else "id") - pieces(lang) if len(piece) >= 4)


#: Names the page shows in their own language whatever the interface's: the product, the language switch.
NAMES = ("Tanya Berita", "Bahasa Indonesia", "English")
#: Gradio's own upload box, in its own words (Indonesian "File" is a loanword): checked on their own below.
GRADIO_UPLOAD = ("Drop File Here", "Letakkan File di Sini")


#: Every label for screen readers and every placeholder on the page, Gradio's own included (ui/static/tanya.js).
LABELS_JS = """() => [...document.querySelectorAll('[placeholder], [aria-label], [title], [alt]')].flatMap(
    (e) => ['placeholder', 'aria-label', 'title', 'alt'].map((a) => e.getAttribute(a) || '')).join('\\n')"""


def _page_text(page) -> str:
    """The page's text and its labels' (placeholder, aria-label, title, alt), but for :data:`NAMES`."""
    text = page.evaluate("document.body.innerText") + "\n" + page.evaluate(LABELS_JS)
    for name in NAMES + GRADIO_UPLOAD:
        text = text.replace(name, " ")
    return text


def _foreign_in(text: str, lang: str) -> list[str]:
    return [s for s in _foreign(lang) if re.search(rf"(?<!\w){re.escape(s)}(?!\w)", text)]


def _assert_only(page, lang: str) -> None:
    """No text of the other language's table on the page, in any tab; <html lang> says the language."""
    from playwright.sync_api import expect

    expect(page.locator("html")).to_have_attribute("lang", lang, timeout=TIMEOUT_MS)
    tabs = {"id": ["Percakapan", "Pustaka", "Pengaturan"], "en": ["Chat", "Library", "Settings"]}[lang]
    for tab in tabs:
        page.get_by_role("tab", name=tab).click()
        expect(page.get_by_role("tab", name=tab)).to_have_attribute("aria-selected", "true", timeout=TIMEOUT_MS)
        page.wait_for_timeout(500)  # its contents drawn
        found = _foreign_in(_page_text(page), lang)
        assert not found, f"{tab}: {found}"
    page.get_by_role("tab", name=tabs[0]).click()


def _upload(page, tmp_path) -> None:
    """Add three files in the Library tab: an article, a file of no supported type, and one the reader
    refuses (a .docx that is not one): each says what happened to it, the last with the reader's reason."""
    from playwright.sync_api import expect

    files = {"pelabuhan.txt": "Pelabuhan Baru Diresmikan di Sulawesi\n\nPelabuhan peti kemas baru di Bitung "
                              "diresmikan pekan ini dan siap melayani kapal besar.\n",
             "catatan.xyz": "bukan artikel\n", "laporan.docx": "PK not a Word document"}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    page.get_by_role("tab", name="Library").click()
    page.locator("#tb-upload input[type=file]").set_input_files([str(tmp_path / n) for n in files])
    page.locator("#tb-add").click()
    expect(page.locator("#tb-add-result li")).to_have_count(3, timeout=TIMEOUT_MS)
    expect(page.locator("#tb-add-result")).to_contain_text("pelabuhan.txt: added.")
    expect(page.locator("#tb-add-result")).to_contain_text("catatan.xyz: files of type .xyz cannot be indexed")
    expect(page.locator("#tb-add-result")).to_contain_text("laporan.docx is not a readable Word (.docx) document")
    page.get_by_role("tab", name="Chat").click()


def test_the_interface_in_one_language_at_a_time(page, tmp_path):
    from playwright.sync_api import expect

    # An answer on screen, with Gradio's labels of the chat; in Indonesian, so that its own words (which stay in
    # the question's language) are no foreign text once the page is Indonesian.
    ask(page, QUESTION)
    _upload(page, tmp_path)  # the Library tab with the results of an upload, said in each language below
    page.locator("#tb-choose-sources").get_by_text("Choose sources").click()  # its labels are on the page too
    _assert_only(page, "en")
    assert page.locator("#tb-chat [aria-label^=\"bot's message: \"]").count() == 1  # Gradio's label, checked
    page.get_by_role("tab", name="Library").click()
    expect(page.locator("#tb-upload")).to_contain_text("Drop File Here")  # Gradio's own strings
    page.get_by_role("tab", name="Chat").click()

    page.locator("#tb-ui-language").get_by_text("Bahasa Indonesia").click()
    expect(page.locator("#tb-ask")).to_have_text("Tanya", timeout=TIMEOUT_MS)
    _assert_only(page, "id")
    page.get_by_role("tab", name="Pustaka").click()
    expect(page.locator("#tb-upload")).to_contain_text("Letakkan File di Sini", timeout=TIMEOUT_MS)
    result = page.locator("#tb-add-result")  # the upload's results, said again in Indonesian
    expect(result).to_contain_text("pelabuhan.txt: ditambahkan.")
    expect(result).to_contain_text("catatan.xyz: berkas berjenis .xyz tidak bisa diindeks")
    expect(result).to_contain_text("laporan.docx tidak bisa diindeks sebagai artikel.")
    assert "not a readable Word" not in result.inner_text()  # the reader's English reason is folded away...
    result.locator("summary").click()
    expect(result.locator("details")).to_contain_text("not a readable Word")  # ...one click from view
    expect(page.locator("footer")).to_contain_text("Gunakan melalui API")
    assert page.locator("#tb-chat [aria-label^='pesan asisten: ']").count() == 1  # Gradio's label, said again

    page.reload()  # the choice is remembered in this browser
    expect(page.locator("#tb-ask")).to_have_text("Tanya", timeout=TIMEOUT_MS)
    expect(page.locator("html")).to_have_attribute("lang", "id", timeout=TIMEOUT_MS)


def _too_large_upload(page, path: Path, lang: str):
    """Choose a file over the upload limit in the Library tab: Gradio refuses it in a pop-up (toast), which
    says so from the string table in ``lang``, its title and close button too. Returns the toast."""
    from playwright.sync_api import expect

    from rag.library import MAX_FILE_BYTES
    from ui.texts import t

    page.get_by_role("tab", name=t(lang, "tab_library")).click()
    page.locator("#tb-upload input[type=file]").set_input_files(str(path))
    toast = page.locator('[data-testid="toast-body"]')
    expect(toast).to_have_count(1, timeout=TIMEOUT_MS)
    expect(toast.locator(".toast-title")).to_have_text(t(lang, "toast_error"))
    expect(toast.locator('[data-testid="toast-text"]')).to_have_text(
        t(lang, "toast_too_large", mb=f"{MAX_FILE_BYTES / 1e6:.0f}", names=f'"{path.name}"'))
    expect(toast.locator('[data-testid="toast-close"]')).to_have_attribute("aria-label", t(lang, "gradio_close"))
    found = _foreign_in(toast.inner_text() + "\n" + page.evaluate(LABELS_JS), lang)
    assert not found, found
    return toast


def test_gradio_pop_ups_speak_the_interface_language(page, tmp_path):
    """Gradio's own pop-up (a file over the upload limit, refused in the browser) in English, then in Indonesian:
    title, message and close button from the string table; nothing is uploaded."""
    from playwright.sync_api import expect

    from rag.library import MAX_FILE_BYTES

    big = tmp_path / "besar.txt"
    big.write_bytes(b"a" * (MAX_FILE_BYTES + 1))
    toast = _too_large_upload(page, big, "en")
    toast.locator('[data-testid="toast-close"]').click()
    expect(toast).to_have_count(0, timeout=TIMEOUT_MS)

    page.locator("#tb-ui-language").get_by_text("Bahasa Indonesia").click()
    expect(page.locator("#tb-add")).to_have_text("Tambahkan ke pustaka", timeout=TIMEOUT_MS)
    expect(page.locator("html")).to_have_attribute("lang", "id", timeout=TIMEOUT_MS)
    _too_large_upload(page, big, "id")
    expect(page.locator("#tb-upload")).not_to_contain_text("besar.txt")  # refused in the browser: not uploaded


def test_escape_stops_an_answer_and_the_source_panel_is_announced(page, server):
    from playwright.sync_api import expect

    assert page.locator("#tb-source-panel").get_attribute("aria-live") == "polite"
    server.bot.llm.delay = 0.4  # a slow model: the answer is still being written when Esc is pressed
    try:
        page.locator("#tb-question textarea").fill(QUESTION)
        page.locator("#tb-ask").click()
        expect(page.locator("#tb-chat .tb-checking")).to_have_count(1, timeout=TIMEOUT_MS)  # the model writes
        page.keyboard.press("Escape")
        expect(page.locator("#tb-chat .tb-stopped")).to_have_count(1, timeout=TIMEOUT_MS)
        expect(page.locator("#tb-ask")).to_be_visible()
    finally:
        server.bot.llm.delay = 0.0
    expect(page).to_have_url(re.compile(r"\?c=[0-9a-f]+"), timeout=TIMEOUT_MS)
    turn = server.bot.conversations.load(conversation_id(page)).turns[-1]
    assert turn.status.value == "stopped" and turn.answer is None  # saved as stopped, with what was written


def test_answers_on_screen_follow_the_language_switch(page):
    from playwright.sync_api import expect

    answer = ask(page, QUESTION)
    expect(answer.locator(".tb-sources-title").first).to_have_text("Sources")
    expect(answer.locator("a.tb-copy")).to_have_text("Copy answer with sources")
    words = answer.locator(".tb-text").inner_text()
    page.locator("#tb-ui-language").get_by_text("Bahasa Indonesia").click()
    answer = page.locator(ANSWER).last
    expect(answer.locator(".tb-sources-title").first).to_have_text("Sumber", timeout=TIMEOUT_MS)
    expect(answer.locator("a.tb-copy")).to_have_text("Salin jawaban dan sumber")
    assert answer.locator(".tb-text").inner_text() == words  # the answer's own words stay as written
    answer.locator(".tb-text a.tb-cite").first.click()  # and its links still open their sources
    expect(page.locator("#tb-source-panel mark.tb-mark").first).to_be_visible(timeout=TIMEOUT_MS)


def test_an_abstention_on_screen_follows_the_language_switch(page):
    """A question the sources do not answer, in English: the abstention's frame (its badge, the closest passages'
    heading, its links) is said again in Indonesian after the switch; its own words stay in the question's
    language, as every answer's."""
    from playwright.sync_api import expect

    answer = ask(page, "What is the price of rice in Medan?")
    expect(answer).to_have_class(re.compile(r"\btb-abstain\b"))
    # the model was asked and refused: "not confirmed" (test_ui_parts has the other kind, "not found")
    expect(answer.locator(".tb-pill")).to_have_text("Not confirmed by the sources")
    expect(answer.locator(".tb-closest .tb-sources-title")).to_have_text(
        "Closest passages found (check whether they answer the question):")
    expect(answer.locator("a.tb-copy")).to_have_text("Copy answer with sources")
    words = answer.locator(".tb-text").inner_text()

    page.locator("#tb-ui-language").get_by_text("Bahasa Indonesia").click()
    answer = page.locator(ANSWER).last
    expect(answer.locator(".tb-pill")).to_have_text("Tidak dapat dipastikan dari sumber", timeout=TIMEOUT_MS)
    expect(answer.locator(".tb-closest .tb-sources-title")).to_have_text(
        "Bagian paling dekat yang ditemukan (periksa apakah menjawab pertanyaan):")
    expect(answer.locator("a.tb-copy")).to_have_text("Salin jawaban dan sumber")
    expect(answer.locator(".tb-actions")).to_contain_text("Unduh:")
    assert answer.locator(".tb-text").inner_text() == words  # the abstention's own words, as written
    frame = answer.evaluate("""(e) => { const c = e.cloneNode(true);  // the frame: all but the quoted words
        c.querySelectorAll('.tb-text, .tb-snippet, .tb-source-title, .tb-copytext, .tb-filename')
         .forEach((x) => x.remove());
        return c.textContent; }""")
    assert not _foreign_in(frame, "id"), _foreign_in(frame, "id")
    answer.locator(".tb-closest a.tb-cite").first.click()  # its passages still open in the source panel
    expect(page.locator("#tb-source-panel mark.tb-mark").first).to_be_visible(timeout=TIMEOUT_MS)


def test_no_frame_of_the_page_shows_what_the_check_drops(page, server):
    """The model writes a sentence the sources support, one no source makes, then the not-found reply, slowly.
    Every state of the answer on screen (recorded on each change of the chat) shows only checked text: never
    the placeholder, never the dropped claim, and every text shown is the start of the final answer."""
    from playwright.sync_api import expect

    page.evaluate("""() => {
        window.__frames = [];
        const chat = document.querySelector('#tb-chat');
        new MutationObserver(() => {
            const answers = chat.querySelectorAll('.tb-answer');
            if (answers.length) window.__frames.push(answers[answers.length - 1].innerText);
        }).observe(chat, {subtree: true, childList: true, characterData: true});
    }""")
    server.bot.llm.delay, server.bot.llm.then = 0.15, " Putin memberi Kim sebuah tank baja [1]. NOT_IN_SOURCES"
    try:
        answer = ask(page, QUESTION)
    finally:
        server.bot.llm.delay, server.bot.llm.then = 0.0, ""
    expect(answer.locator(".tb-text")).to_contain_text("[1]")  # the quoted source sentence, cited
    final = answer.locator(".tb-text").inner_text()
    frames = page.evaluate("() => window.__frames")
    assert frames and any("hecking" in f for f in frames)  # the page said it was checking
    assert not [f for f in frames if "NOT_IN_SOURCES" in f or "tank" in f]
    assert "tank" not in final and "NOT_IN_SOURCES" not in final


def test_the_library_shows_titles_without_ids_and_its_search_box_filters_them(page):
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Library").click()
    table = page.locator("#tb-library-table")
    expect(table).to_contain_text("Pulang ke Korut", timeout=TIMEOUT_MS)
    expect(table.get_by_role("columnheader")).to_have_count(4)
    assert [h.strip(" ⋮") for h in table.get_by_role("columnheader").all_inner_texts()] == [
        "Title", "Publisher", "Date", "Passages"]
    assert "001_c3097b6ce2799c8a" not in table.inner_text()  # no id, wrapped or not

    search = page.locator("#tb-library-search textarea, #tb-library-search input").first
    search.press_sequentially("pulang korut")  # typed, as a person does
    expect(page.locator("#tb-library-summary")).to_contain_text("1 match “pulang korut”", timeout=TIMEOUT_MS)
    expect(table).not_to_contain_text("Kembali ke Korut")
    table.get_by_role("gridcell").filter(has_text="Pulang ke Korut").first.click()  # found again by what it shows
    expect(page.locator("#tb-preview")).to_contain_text("Pulang ke Korut, Kim Jong-un Doakan Rusia",
                                                        timeout=TIMEOUT_MS)
    search.click()  # (as a person does: the table, a cell selected, takes the keys until then)
    search.press("Control+a")
    search.press("Backspace")  # an empty box: every article again
    expect(search).to_have_value("")
    expect(table).to_contain_text("Kembali ke Korut", timeout=TIMEOUT_MS)


def test_choosing_the_fast_model_says_what_it_costs_before_switching(page, server):
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Settings").click()
    page.locator("#tb-model").get_by_text("Fast").click()
    status = page.locator("#tb-settings-status")
    expect(status).to_contain_text("qwen2.5-coder-0.5b", timeout=TIMEOUT_MS)
    # its size read from its installed packages (or, without them, how to install them)
    expect(status).to_contain_text(re.compile(r"MB more memory while loaded|GB more memory while loaded|"
                                              r"is not installed: run"))
    assert not server.bot._variants  # said, not done: no model loaded until Apply
    page.locator("#tb-ui-language").get_by_text("Bahasa Indonesia").click()
    expect(status).to_contain_text(re.compile(r"memori lagi selama dimuat|belum terpasang"), timeout=TIMEOUT_MS)
    page.locator("#tb-ui-language").get_by_text("English").click()
    expect(page.locator("#tb-ask")).to_have_text("Ask", timeout=TIMEOUT_MS)


#: The chat's scrolled area (Gradio's message log) and, if shown, the chat's label, as boxes in the window.
CHAT_BOXES = """() => {
    const box = (e) => { if (!e || !e.offsetParent) return null; const r = e.getBoundingClientRect();
                         return r.width && r.height ? {top: r.top, bottom: r.bottom, left: r.left, right: r.right}
                                                    : null; };
    return {log: box(document.querySelector('#tb-chat [role=log]')),
            label: box(document.querySelector('#tb-chat [data-testid=block-label]'))};
}"""


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return a["top"] < b["bottom"] and b["top"] < a["bottom"] and a["left"] < b["right"] and b["left"] < a["right"]


#: Scrolls the chat so that its first answer begins at the top of what it shows, as a reader scrolls up to
#: read an answer from its start; returns the box of that answer's first line (in one go: the chat's own
#: scrolling, after an answer, cannot come between).
SCROLL_TO_FIRST_ANSWER = """() => {
    const log = document.querySelector('#tb-chat [role=log]');
    const row = log.querySelector('.bot-row');
    log.scrollTop += row.getBoundingClientRect().top - log.getBoundingClientRect().top;
    const r = row.querySelector('.tb-text').getClientRects()[0];
    return {top: r.top, bottom: r.bottom, left: r.left, right: r.right};
}"""


def test_the_chat_label_does_not_cover_the_first_line_of_an_answer(page):
    """Scrolled up to where an answer begins: the answer's first line is not under the chat's label (the label,
    if shown, is outside the scrolled messages)."""
    ask(page, QUESTION)
    ask(page, SECOND)  # more than the chat's height: it scrolls
    line = page.evaluate(SCROLL_TO_FIRST_ANSWER)
    boxes = page.evaluate(CHAT_BOXES)
    assert boxes["log"] and boxes["log"]["top"] <= line["top"] < boxes["log"]["bottom"]  # the line in view
    assert boxes["label"] is None or not _overlap(boxes["label"], line), (boxes["label"], line)
    assert boxes["label"] is None or not _overlap(boxes["label"], boxes["log"]), (boxes["label"], boxes["log"])


#: The latest message of the chat is in view: its end within the scrolled area's visible part.
LATEST_IN_VIEW = """() => {
    const log = document.querySelector('#tb-chat [role=log]');
    const rows = log ? log.querySelectorAll('.message-row') : [];
    if (!rows.length || !log.clientHeight) return false;
    const last = rows[rows.length - 1].getBoundingClientRect(), box = log.getBoundingClientRect();
    return last.bottom <= box.bottom + 2 && last.bottom > box.top && last.top < box.bottom;
}"""


def test_after_visiting_the_library_the_chat_shows_the_latest_answer(page, server):
    """An answer finished while the reader was in the Library: back in the chat, it is in view."""
    from playwright.sync_api import expect

    ask(page, QUESTION)
    server.bot.llm.delay = 0.2  # a slow model: the answer is still being written when the reader leaves
    try:
        page.locator("#tb-question textarea").fill(SECOND)
        page.locator("#tb-ask").click()
        expect(page.locator("#tb-chat .tb-checking")).to_have_count(1, timeout=TIMEOUT_MS)
        page.get_by_role("tab", name="Library").click()
        expect(page.locator("#tb-library-table")).to_contain_text("Pulang ke Korut", timeout=TIMEOUT_MS)
        expect(page.locator(ANSWER)).to_have_count(2, timeout=TIMEOUT_MS)  # written while the chat was hidden
    finally:
        server.bot.llm.delay = 0.0
    page.get_by_role("tab", name="Chat").click()
    expect(page.get_by_role("tab", name="Chat")).to_have_attribute("aria-selected", "true", timeout=TIMEOUT_MS)
    assert page.evaluate("() => { const l = document.querySelector('#tb-chat [role=log]');"
                         " return l.scrollHeight > l.clientHeight + 100; }")  # enough to scroll
    page.wait_for_function(LATEST_IN_VIEW, timeout=15_000)  # (a script of the page: no server involved)


#: The program's folder (a git checkout when tests run from one).
CHECKOUT = Path(__file__).resolve().parent.parent


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(f.relative_to(folder)): (f.stat().st_size, f.stat().st_mtime_ns)
            for f in sorted(folder.rglob("*")) if f.is_file()}


def _new_in_checkout() -> set[str]:
    """The files in the checkout that git does not track nor ignore (none known when it is not a git checkout)."""
    import subprocess

    if not (CHECKOUT / ".git").exists() or not shutil.which("git"):
        return set()
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=CHECKOUT,
                            capture_output=True, text=True, check=True).stdout
    return {line[3:] for line in status.splitlines() if line.startswith("??")}


@pytest.fixture()
def bundled_server(tmp_path):
    """The page as `tanya ui` starts with no articles folder set: the program's own articles, uploads under
    TANYA_HOME."""
    from rag.settings import BUNDLED_ARTICLES

    data = BUNDLED_ARTICLES.parent
    before = _files(data), _new_in_checkout()
    server = Server(tmp_path / "home", None)
    assert server.bot.settings.library_path == tmp_path / "home" / "library"
    yield server
    server.stop()
    after = _files(data), _new_in_checkout()
    assert after == before, "nothing is written into the program's folder"


def test_an_upload_from_the_page_lands_under_tanya_home(context, bundled_server, tmp_path):
    """With no articles folder set, an article added in the Library tab is saved in ``$TANYA_HOME/library``
    (not in the checkout's data/articles, which the fixture checks is untouched) and listed in the library."""
    from playwright.sync_api import expect

    from rag.settings import BUNDLED_ARTICLES

    bundled = _files(BUNDLED_ARTICLES)
    text = ("Pelabuhan Baru Diresmikan di Sulawesi\n\nPelabuhan peti kemas baru di Bitung diresmikan pekan ini "
            "dan siap melayani kapal besar dari Asia Timur.\n")
    (tmp_path / "pelabuhan.txt").write_text(text, encoding="utf-8")
    page = context.new_page()
    page.goto(bundled_server.url)
    expect(page.locator("#tb-ask")).to_have_text("Ask", timeout=TIMEOUT_MS)
    page.get_by_role("tab", name="Library").click()
    table = page.locator("#tb-library-table")
    expect(table).to_contain_text("Pulang ke Korut", timeout=TIMEOUT_MS)  # the bundled articles, indexed
    expect(table).not_to_contain_text("Pelabuhan Baru")
    page.locator("#tb-upload input[type=file]").set_input_files(str(tmp_path / "pelabuhan.txt"))
    page.locator("#tb-add").click()
    expect(page.locator("#tb-add-result")).to_contain_text("pelabuhan.txt: added.", timeout=TIMEOUT_MS)

    saved = bundled_server.home / "library" / "pelabuhan.txt"
    assert saved.read_text(encoding="utf-8") == text
    assert _files(BUNDLED_ARTICLES) == bundled and not (BUNDLED_ARTICLES / "pelabuhan.txt").exists()
    expect(table).to_contain_text("Pelabuhan Baru Diresmikan di Sulawesi", timeout=TIMEOUT_MS)
    assert "pelabuhan" in {a.doc_id for a in bundled_server.bot.articles()}


#: Records, from the first moment of the page, every progress indicator Gradio shows over a component: a
#: component's status tracker is a ``.wrap`` in its block with the event's ``show_progress`` as a class (``full``:
#: the grey overlay, ``minimal``: a corner timer, ``hidden``) and ``hide`` when it is not shown.
RECORD_PROGRESS = """
window.__progress = [];
const shown = '.block .wrap.full:not(.hide), .block .wrap.minimal:not(.hide)';
new MutationObserver(() => {
    for (const w of document.querySelectorAll(shown))
        window.__progress.push((w.closest('[id]') || {}).id || w.className);
}).observe(document, {subtree: true, childList: true, attributes: true, attributeFilter: ['class']});
"""


def test_no_progress_overlay_covers_the_page_while_it_loads(context, server):
    """The page's load events (the language, the labels, the panels, a conversation from the address) run
    without Gradio's grey "processing" overlay over the components they fill: none is shown at any moment
    from the first paint until the page is ready, nor after."""
    from playwright.sync_api import expect

    context.add_init_script(RECORD_PROGRESS)
    page = context.new_page()
    page.goto(server.url)
    expect(page.locator("#tb-ask")).to_have_text("Ask", timeout=TIMEOUT_MS)  # the load event ran (built "Tanya")
    expect(page.locator("html")).to_have_attribute("lang", "en", timeout=TIMEOUT_MS)  # and the ones after it
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.__progress") == []
    assert page.locator(".block .wrap.full:not(.hide), .block .wrap.minimal:not(.hide)").count() == 0
    assert page.locator(".block .wrap").count() > 0  # (the trackers the check looks at are on the page)
