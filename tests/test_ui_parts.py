"""The page's pure parts: finding a passage in its article, answer HTML, the stoppable stream, texts."""

from __future__ import annotations

import threading
import time

import pytest

from rag import answer_markdown
from rag.abstention import Reason
from rag.answer import Answer, Citation
from rag.background import BackgroundStream
from rag.retrieval import Passage
from ui.chat import filters_of
from ui.highlight import find_spans
from ui.render import (
    answer_html,
    article_html,
    chips_html,
    linked_text,
    parse_cite_request,
    plain_text,
    reading_html,
    register_sources,
)
from ui.session import PanelSource, Session, Turn
from ui.texts import TEXTS, preferred_language

ARTICLE = ("Judul\n\nKalimat pertama tentang Kim.   Kalimat kedua\nyang terpotong baris.\n\n"
           "Paragraf lain tentang Putin dan pertemuan mereka di Vostochny.")


def _spanned(text, spans):
    return [text[a:b] for a, b in spans]


def test_find_spans_ignores_whitespace_differences():
    spans = find_spans(ARTICLE, ["Kalimat kedua yang terpotong baris."])
    assert _spanned(ARTICLE, spans) == ["Kalimat kedua\nyang terpotong baris."]


def test_find_spans_falls_back_to_sentences_and_merges():
    passage = "Kalimat pertama tentang Kim. Kalimat kedua yang terpotong baris. Kalimat yang tidak ada di artikel."
    assert _spanned(ARTICLE, find_spans(ARTICLE, [passage])) == [
        "Kalimat pertama tentang Kim.   Kalimat kedua\nyang terpotong baris."]
    assert find_spans(ARTICLE, ["Tidak ada sama sekali di sini, sungguh."]) == []
    assert find_spans(ARTICLE, ["", "   "]) == []


def _answer(text, citations=(), abstained=False, passages=()):
    return Answer(text=text, citations=list(citations), language="id", abstained=abstained, passages=list(passages))


def _citation(n, doc="d1", title="Judul <b>", quotes=(), **where):
    return Citation(number=n, doc_id=doc, title=title, text=f"Bagian {n} yang dikutip.", publisher="Bisnis.com",
                    date="2023-09-18", quotes=quotes, **where)


def test_every_citation_becomes_a_link_and_html_is_escaped():
    turn = Turn(id=7, question="q")
    answer = _answer("Kim <pulang> [1]. Putin juga [1, 2].", [_citation(1), _citation(2, doc="d2")])
    register_sources(turn, answer)
    text = linked_text(answer.text, turn)
    assert text.count('href="#tb-cite-7-1"') == 2 and text.count('href="#tb-cite-7-2"') == 1
    assert "&lt;pulang&gt;" in text and "<pulang>" not in text
    html = answer_html(answer, turn, "en")
    assert "\n" not in html and 'class="tb-answer tb-answered"' in html and "Judul &lt;b&gt;" in html
    assert "18 September 2023" not in html and "September 18, 2023" in html


def test_an_unknown_number_stays_plain_text():
    turn = Turn(id=1, question="q")
    assert linked_text("Tanpa sumber [3].", turn) == "Tanpa sumber [3]."


def test_abstention_links_the_closest_passages():
    passages = [Passage(id=f"d#{i}", doc_id="d", title="T", text=f"Teks {i}", score=0.5) for i in range(5)]
    turn = Turn(id=2, question="q")
    answer = _answer("Sumber tidak menyebutkan.", abstained=True, passages=passages)
    register_sources(turn, answer)
    assert list(turn.sources) == ["p1", "p2", "p3"]
    html = answer_html(answer, turn, "id")
    assert 'class="tb-answer tb-abstain"' in html and "Tidak ditemukan di sumber" in html
    assert html.count('href="#tb-cite-2-p') == 3  # one link (its title) per passage


@pytest.mark.parametrize("reason,badge,closest", [
    (Reason.UNSURE, "Tidak dapat dipastikan dari sumber", "periksa apakah menjawab pertanyaan"),
    (Reason.NOT_ANSWERABLE, "Tidak dapat dipastikan dari sumber", "periksa apakah menjawab pertanyaan"),
    (Reason.WEAK_EVIDENCE, "Tidak ditemukan di sumber", "tidak menjawab pertanyaan"),
    (None, "Tidak ditemukan di sumber", "tidak menjawab pertanyaan")])
def test_an_abstention_after_an_answer_was_looked_for_is_not_called_not_found(reason, badge, closest):
    """When the model was asked and no answer could be confirmed, the closest passages may hold it: the page
    says 'not confirmed' and asks the reader to check them, not 'not found' and 'they do not answer'."""
    passages = [Passage(id=f"d#{i}", doc_id="d", title="T", text=f"Teks {i}", score=0.5) for i in range(2)]
    turn = Turn(id=3, question="q")
    answer = Answer(text="...", citations=[], language="id", abstained=True, passages=passages, abstention=reason)
    register_sources(turn, answer)
    html = answer_html(answer, turn, "id")
    assert badge in html and closest in html
    other, = {"Tidak dapat dipastikan dari sumber", "Tidak ditemukan di sumber"} - {badge}
    assert other not in html
    assert (("Not confirmed by the sources" if reason in (Reason.UNSURE, Reason.NOT_ANSWERABLE)
             else "Not found in the sources") in answer_markdown("q", answer, "en"))


def test_plain_text_copy_has_the_sources():
    answer = _answer("Oleg memberi rompi [1].",
                     [_citation(1, title="Pulang ke Korut", quotes=("Oleg memberi Kim rompi.",))])
    assert plain_text(answer, "en") == ("Oleg memberi rompi [1].\n\nSources:\n"
                                        "[1] Pulang ke Korut (Bisnis.com, September 18, 2023) [d1]\n"
                                        "    “Oleg memberi Kim rompi.”")


@pytest.mark.parametrize("value,parsed", [("3:1:1700000", (3, "1")), ("12:p2", (12, "p2")), ("x:1", None),
                                          ("3:<script>", None), ("", None), (None, None)])
def test_parse_cite_request(value, parsed):
    assert parse_cite_request(value) == parsed


def test_session_history_leaves_out_unfinished_answers():
    session = Session()
    first = session.start("satu")
    first.answer = "jawaban"
    session.start("dua")  # stopped, no answer
    assert session.history() == [("satu", "jawaban")]
    first.sources["1"] = PanelSource(doc_id="d", title="T", text="x")
    assert session.source(first.id, "1").doc_id == "d" and session.source(99, "1") is None


def test_background_stream_releases_the_lock_in_its_own_thread_when_stopped():
    lock = threading.RLock()  # like the engine's: only its owner thread may release it
    closed = threading.Event()

    def events():
        with lock:
            try:
                for i in range(1000):
                    time.sleep(0.01)
                    yield i
            finally:
                closed.set()

    stream = BackgroundStream(events)
    got = []
    for item in stream.poll(0.05):
        if item is not None:
            got.append(item)
        if len(got) == 3:
            stream.stop()
            break
    assert stream.join(5) and closed.is_set()
    assert lock.acquire(timeout=1)  # free again, from another thread
    lock.release()


def test_background_stream_hands_errors_to_the_reader():
    def events():
        yield 1
        raise ValueError("boom")

    stream = BackgroundStream(events)
    with pytest.raises(ValueError, match="boom"):
        [item for item in stream.poll(0.05) if item is not None]


def test_both_languages_have_every_text():
    assert TEXTS["id"].keys() == TEXTS["en"].keys()
    assert preferred_language("en-US,en;q=0.9,id;q=0.8") == "en"
    assert preferred_language("id-ID,id;q=0.9,en;q=0.8") == "id"
    assert preferred_language(None) == "id" and preferred_language("fr-FR") == "id"


def test_the_page_script_gets_its_texts_from_the_tables():
    """Gradio's pop-ups and labels are written by ui/static/tanya.js from window.tbTexts: both languages, the
    same keys, the upload limit filled in, nothing that could end the <script> early."""
    import json
    import re

    from ui.app import page_head

    head = page_head()
    texts = json.loads(re.match(r"<script>window\.tbTexts = (.*?);</script>", head).group(1))
    assert set(texts) == {"id", "en"} and texts["id"].keys() == texts["en"].keys()
    assert texts["en"]["gradio_close"] == "Close" and texts["id"]["toast_error"] == "Kesalahan"
    assert "{mb}" not in texts["id"]["toast_too_large"] and "{names}" in texts["id"]["toast_too_large"]
    assert head.count("</script>") == 2 and "tbSetLocale" in head


def test_a_question_waiting_for_the_model_shows_its_place_in_line():
    assert "2 other question(s) first" in reading_html("en", 4, ahead=2)
    assert "2 pertanyaan lain" in reading_html("id", 4, ahead=2)
    assert "Reading the sources" in reading_html("en", 4) and " 4 s" in reading_html("en", 4)


def test_a_source_links_to_its_original_and_says_its_pages():
    web = _citation(1, title="Rompi", quotes=("Oleg memberi Kim rompi.",), url="https://berita.example/rompi")
    pdf = _citation(2, doc="lap", title="Laporan", quotes=("Kim pulang.",), file="/srv/a/laporan.pdf", pages=(3, 4))
    bad = _citation(3, doc="js", title="Aneh", url="javascript:alert(1)")
    turn = Turn(id=3, question="Siapa?")
    answer = _answer("Oleg [1]. Pulang [2]. Aneh [3].", [web, pdf, bad])
    register_sources(turn, answer)
    html = answer_html(answer, turn, "en")
    assert html.count('href="https://berita.example/rompi" target="_blank" rel="noopener noreferrer"') == 1
    assert "javascript:" not in html.split('class="tb-copytext"')[0]  # only http(s) addresses become links
    assert "p. 3–4" in html
    panel = article_html(turn.sources["2"], "Kim pulang. Lalu tidur.", "id")
    assert "hlm. 3–4" in panel and "<code>laporan.pdf</code>" in panel and "/srv/a" not in panel
    panel = article_html(turn.sources["1"], "Oleg memberi Kim rompi.", "en")
    assert "Open the original article" in panel and "https://berita.example/rompi" in panel
    copied = plain_text(answer, "en")
    assert "    https://berita.example/rompi" in copied and "    File: /srv/a/laporan.pdf, p. 3–4" in copied


def test_each_answer_carries_its_downloads():
    import html as html_module
    import json
    import re

    turn = Turn(id=4, question="Siapa memberi rompi?")
    answer = _answer("Oleg [1].", [_citation(1, title="Rompi", quotes=("Oleg memberi Kim rompi.",))])
    register_sources(turn, answer)
    page = answer_html(answer, turn, "en")
    hidden = dict(re.findall(r'href="#tb-download-(md|json)-4">.*?<span class="tb-copytext">(.*?)</span>', page))
    data = json.loads(html_module.unescape(hidden["json"]))
    assert data["question"] == "Siapa memberi rompi?" and data["answer"]["citations"][0]["title"] == "Rompi"
    assert html_module.unescape(hidden["md"]).startswith("## Siapa memberi rompi?")
    assert page.count('<span class="tb-filename">siapa-memberi-rompi.') == 2


def test_chips_show_the_restriction():
    html = chips_html({"doc_id": ["a"], "publisher": ["Bisnis.com"], "date_from": "2023-09-01"}, {"a": "Judul A"},
                      "en")
    assert 'tb-chip-article" title="a">Judul A<' in html and ">Bisnis.com<" in html and "from September 1, 2023" in html
    assert "Semua artikel di pustaka" in chips_html(None, {}, "id")
    assert filters_of(["a"], [], " 2023-09-01 ", "") == {"doc_id": ["a"], "date_from": "2023-09-01"}
    assert filters_of([], None, "", None) is None


def test_a_saved_conversation_comes_back_with_working_links():
    from rag import Conversation, ConversationTurn, TurnStatus
    from ui.chat import restore

    answered = _answer("Oleg [1].", [_citation(1, title="Rompi", quotes=("Oleg memberi Kim rompi.",))])
    conversation = Conversation("c1", "Rompi", 0.0, 0.0, [
        ConversationTurn(1, "Siapa?", TurnStatus.ANSWERED, answered),
        ConversationTurn(2, "Lalu?", TurnStatus.STOPPED, partial="Dia juga"),
        ConversationTurn(3, "Kapan?", TurnStatus.PENDING)])
    session = Session()
    chat = restore(conversation, "en", session)
    assert session.conversation_id == "c1" and [t.id for t in session.turns] == [1, 2, 3]
    assert session.history() == [("Siapa?", "Oleg [1].")]
    assert 'href="#tb-cite-1-1"' in chat[1]["content"] and session.source(1, "1").title == "Rompi"
    assert "tb-stopped" in chat[3]["content"] and "Dia juga" in chat[3]["content"]
    assert "tb-unfinished" in chat[5]["content"] and "was not finished" in chat[5]["content"]
    assert session.start("Baru?", 4).id == 4


def test_an_abstention_lists_each_passage_once_with_its_best_sentence():
    from rag.retrieval import ScoredSentence

    def passage(i, best):
        sentences = (ScoredSentence(f"Kalimat satu {i}.", 0.2, 0), ScoredSentence(best, 0.9, 1),
                     ScoredSentence(f"Kalimat tiga {i}.", 0.1, 2))
        return Passage(id=f"d{i}#0", doc_id=f"d{i}", title=f"T{i}", text=" ".join(s.text for s in sentences),
                       score=0.5, sentences=sentences)

    quoted = "Oleg memberi Kim rompi."
    cover = _citation(1, doc="d0", quotes=(quoted,))
    answer = _answer("Sumber tidak menyebutkan. Yang paling dekat: “Oleg memberi Kim rompi” [1]", [cover],
                     abstained=True, passages=[passage(0, quoted), passage(1, "Kim naik kereta."),
                                               passage(1, "Kim naik kereta.")])
    turn = Turn(id=5, question="q")
    register_sources(turn, answer)
    assert list(turn.sources) == ["1", "p1"]  # the quoted passage is [1] only; the repeated one once
    assert turn.sources["p1"].quotes == ("Kim naik kereta.",)  # its best sentence is highlighted
    panel = article_html(turn.sources["p1"], "Kalimat satu 1. Kim naik kereta. Kalimat tiga 1.", "id")
    assert '<mark class="tb-mark" id="tb-first-mark">Kim naik kereta.</mark>' in panel


def test_an_engine_error_in_the_chat_is_headed_in_the_pages_language():
    from rag.errors import LLMError, QuestionError
    from ui.chat import readable

    problem = QuestionError("The question is empty: type a question.")
    assert readable(problem, "en") == "The question is empty: type a question."
    shown = readable(problem, "id")
    assert shown.startswith("Pertanyaan ini tidak bisa diajukan seperti ini.") and str(problem) in shown
    assert readable(LLMError("The server at http://x/v1 did not answer."), "id").startswith(
        "Model bahasa gagal saat menjawab.")
    assert readable(RuntimeError("boom"), "id") == "Terjadi kesalahan. Detailnya ada di log server."
