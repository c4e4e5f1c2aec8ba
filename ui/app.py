"""The page: chat, library and settings tabs over `rag.Assistant`, served on this machine only.

Only presentation lives in ``ui/``; every answer, article and setting comes from `rag`.
The page loads nothing from other hosts (fonts and scripts are served by this
server) and sends no analytics.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import gradio as gr

from rag import Assistant, TanyaError
from rag.library import MAX_FILE_BYTES
from ui import chat, conversations_panel, library_tab, render, settings_tab, sources_panel
from ui.hosts import allowed_hosts
from ui.session import Session
from ui.texts import TEXTS, page_texts, preferred_language, t

log = logging.getLogger("tanya.ui")

STATIC = Path(__file__).resolve().parent / "static"

EXAMPLES = [
    "Siapa yang memberikan rompi antipeluru kepada Kim Jong Un?",
    "Berapa jarak Kota Artyom dari perbatasan?",
    "When did Kim Jong Un arrive in Russia?",
    "What did Putin and Kim discuss?",
]

#: After the interface language is chosen: <html lang> and Gradio's own strings follow (ui/static/tanya.js).
LOCALE_JS = "(lang) => { if (window.tbSetLocale) window.tbSetLocale(lang); return lang; }"
#: When the language is switched by hand: remembered in this browser for the next visits.
REMEMBER_LANGUAGE_JS = ("(lang, ...rest) => { try { localStorage.setItem('tanya-ui-language', lang); } catch (e) {} "
                        "return [lang, ...rest]; }")
#: On load: the language this browser chose before ("" if none), for the server to use.
REMEMBERED_LANGUAGE_JS = ("(sess, remembered) => { let lang = ''; "
                          "try { lang = localStorage.getItem('tanya-ui-language') || ''; } catch (e) {} "
                          "return [sess, lang]; }")

#: After the source panel changes: bring the highlighted passage into view.
SCROLL_TO_MARK_JS = """() => { setTimeout(() => {
  const panel = document.querySelector('#tb-source-panel');
  const mark = panel && panel.querySelector('#tb-first-mark');
  if (!mark) return;
  const top = mark.getBoundingClientRect().top - panel.getBoundingClientRect().top + panel.scrollTop;
  panel.scrollTo({top: Math.max(0, top - panel.clientHeight / 3), behavior: 'smooth'});
  const box = panel.getBoundingClientRect();  // on a narrow screen the panel is below the chat
  if (box.top < 0 || box.top > window.innerHeight - 80) panel.scrollIntoView({block: 'start', behavior: 'smooth'});
}, 50); }"""

#: Back in the Chat tab: its latest message in view (an answer may have been written while another tab showed).
SCROLL_CHAT_TO_END_JS = """() => { let tries = 0; const end = () => {
  const log = document.querySelector('#tb-chat [role=log]');
  if (log && log.clientHeight) log.scrollTop = log.scrollHeight;
  else if (tries++ < 40) setTimeout(end, 25);  // the tab is drawn first
}; end(); }"""


class Labels:
    """Components whose text depends on the interface language, and how to relabel them."""

    def __init__(self) -> None:
        self._items: list[tuple[Any, dict[str, Callable[[str], Any]]]] = []

    def add(self, component: Any, **props: str | Callable[[str], Any]) -> Any:
        """``props``: component property -> text key, or a function of the language."""
        self._items.append((component, {p: (v if callable(v) else partial(t, key=v)) for p, v in props.items()}))
        return component

    @property
    def components(self) -> list[Any]:
        return [c for c, _ in self._items]

    def updates(self, lang: str) -> list[Any]:
        return [gr.update(**{p: f(lang) for p, f in props.items()}) for _, props in self._items]


def build_app(bot: Assistant, startup_problem: str | None = None):
    """The Gradio Blocks of the page (launch it with :func:`launch`)."""
    labels = Labels()
    L = labels.add
    lang0 = "id"
    with gr.Blocks(title="Tanya Berita", analytics_enabled=False) as app:
        session = gr.State(Session())
        with gr.Row(equal_height=True, elem_classes="tb-header"):
            with gr.Column(scale=4):
                L(gr.Markdown(f"# Tanya Berita\n{t(lang0, 'tagline')}"),
                  value=lambda lang: f"# Tanya Berita\n{t(lang, 'tagline')}")
            with gr.Column(scale=1, min_width=320):
                ui_lang = L(gr.Radio([("Bahasa Indonesia", "id"), ("English", "en")], value=lang0,
                                     label=t(lang0, "ui_language"), elem_id="tb-ui-language"), label="ui_language")
        if startup_problem:
            L(gr.Markdown(f"**{t(lang0, 'startup_problem')}:** {startup_problem}", elem_id="tb-banner"),
              value=lambda lang: f"**{t(lang, 'startup_problem')}:** {startup_problem}")

        with gr.Tabs():
            # Chat ------------------------------------------------------------------------------
            with L(gr.Tab(t(lang0, "tab_chat"), id="chat", elem_id="tb-tab-chat"), label="tab_chat") as chat_tab:
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=380):
                        conv_list = L(gr.Dropdown(label=t(lang0, "conversations"), choices=[], value=None,
                                                  elem_id="tb-conversations"), label="conversations")
                        chatbot = L(gr.Chatbot(label=t(lang0, "chat_label"), placeholder=t(lang0, "chat_placeholder"),
                                               height=540, buttons=[], feedback_options=None, latex_delimiters=[],
                                               elem_id="tb-chat", autoscroll=True),
                                    label="chat_label", placeholder="chat_placeholder")
                        chips = gr.HTML(render.chips_html(None, {}, lang0), elem_id="tb-chips")
                        with L(gr.Accordion(t(lang0, "choose_sources"), open=False, elem_id="tb-choose-sources"),
                               label="choose_sources") as choose_sources:
                            src_articles = L(gr.Dropdown(label=t(lang0, "src_articles"), choices=[], value=[],
                                                         multiselect=True, elem_id="tb-src-articles"),
                                             label="src_articles")
                            src_publishers = L(gr.Dropdown(label=t(lang0, "src_publishers"), choices=[], value=[],
                                                           multiselect=True, elem_id="tb-src-publishers"),
                                               label="src_publishers")
                            with gr.Row(equal_height=True):
                                src_from = L(gr.Textbox(label=t(lang0, "src_from"), elem_id="tb-src-from",
                                                        placeholder=t(lang0, "date_placeholder")),
                                             label="src_from", placeholder="date_placeholder")
                                src_to = L(gr.Textbox(label=t(lang0, "src_to"), elem_id="tb-src-to",
                                                      placeholder=t(lang0, "date_placeholder")),
                                           label="src_to", placeholder="date_placeholder")
                                all_sources = L(gr.Button(t(lang0, "all_sources"), elem_id="tb-all-sources"),
                                                value="all_sources")
                        with gr.Row(equal_height=True):
                            question = L(gr.Textbox(label=t(lang0, "question_label"), lines=1, max_lines=5, scale=6,
                                                    placeholder=t(lang0, "question_placeholder"), autofocus=True,
                                                    elem_id="tb-question"),
                                         label="question_label", placeholder="question_placeholder")
                            ask_btn = L(gr.Button(t(lang0, "ask"), variant="primary", scale=1, min_width=100,
                                                  elem_id="tb-ask"), value="ask")
                            stop_btn = L(gr.Button(t(lang0, "stop"), variant="stop", scale=1, min_width=100,
                                                   visible=False, elem_id="tb-stop"), value="stop")
                        notice = gr.Markdown("", elem_id="tb-notice")
                        with gr.Row(equal_height=True):
                            answer_lang = L(gr.Radio(_answer_language_choices(lang0), value="auto", scale=3,
                                                     label=t(lang0, "answer_language"), elem_id="tb-answer-language"),
                                            label="answer_language", choices=_answer_language_choices)
                            new_btn = L(gr.Button(t(lang0, "new_conversation"), scale=1, min_width=160,
                                                  elem_id="tb-new"), value="new_conversation")
                        with gr.Row(equal_height=True):
                            conv_name = L(gr.Textbox(label=t(lang0, "rename_label"), scale=3, max_lines=1,
                                                     elem_id="tb-conversation-name"), label="rename_label")
                            rename_btn = L(gr.Button(t(lang0, "rename"), scale=1, size="sm", min_width=120,
                                                     elem_id="tb-rename"), value="rename")
                            delete_btn = L(gr.Button(t(lang0, "delete_conversation"), variant="stop", scale=1,
                                                     size="sm", min_width=160, elem_id="tb-delete-conversation"),
                                           value="delete_conversation")
                        with gr.Row(equal_height=True):
                            export_md = gr.DownloadButton(t(lang0, "export_md"), visible=False, size="sm",
                                                          elem_id="tb-export-md")
                            export_json = gr.DownloadButton(t(lang0, "export_json"), visible=False, size="sm",
                                                            elem_id="tb-export-json")
                        examples = gr.Examples(EXAMPLES, inputs=question, label=t(lang0, "examples"))
                        L(examples.dataset, label="examples")
                    with gr.Column(scale=2, min_width=320):
                        L(gr.Markdown(f"### {t(lang0, 'source_label')}"),
                          value=lambda lang: f"### {t(lang, 'source_label')}")
                        source_panel = gr.HTML(render.hint_html(t(lang0, "source_hint")), elem_id="tb-source-panel")
                cite_request = gr.Textbox(visible="hidden", elem_id="tb-cite-request")
                conv_id = gr.Textbox(visible="hidden", elem_id="tb-conversation-id")
                remembered = gr.Textbox(visible="hidden", elem_id="tb-remembered-language")
                redraw = gr.Button(visible="hidden", elem_id="tb-redraw")

            # Library -----------------------------------------------------------------------------
            with L(gr.Tab(t(lang0, "tab_library"), id="library", elem_id="tb-tab-library"),
                   label="tab_library") as library, gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=420):
                    lib_summary = gr.Markdown("", elem_id="tb-library-summary")
                    lib_search = L(gr.Textbox(label=t(lang0, "library_search"), max_lines=1,
                                              placeholder=t(lang0, "library_search_placeholder"),
                                              elem_id="tb-library-search"),
                                   label="library_search", placeholder="library_search_placeholder")
                    table = gr.Dataframe(headers=[t(lang0, c) for c in library_tab.COLUMNS], interactive=False,
                                         wrap=True, max_height=380, elem_id="tb-library-table",
                                         column_widths=["49%", "19%", "18%", "14%"])
                    with gr.Row(equal_height=False):
                        with gr.Column():
                            files = L(gr.File(label=library_tab.upload_label(lang0), file_count="multiple",
                                              # no file_types: Gradio would refuse the whole upload with its own
                                              # message; the library checks each file and says why (".txt" too)
                                              type="filepath", height=150,
                                              elem_id="tb-upload"), label=library_tab.upload_label)
                            add_btn = L(gr.Button(t(lang0, "add_files"), variant="primary", elem_id="tb-add"),
                                        value="add_files")
                            add_result = gr.Markdown("", elem_id="tb-add-result")
                        with gr.Column():
                            remove_choice = L(gr.Dropdown(label=t(lang0, "remove_label"), choices=[],
                                                          elem_id="tb-remove-choice"), label="remove_label")
                            remove_btn = L(gr.Button(t(lang0, "remove"), variant="stop", elem_id="tb-remove"),
                                           value="remove")
                            remove_result = gr.Markdown("", elem_id="tb-remove-result")
                with gr.Column(scale=2, min_width=320):
                    L(gr.Markdown(f"### {t(lang0, 'preview_label')}"),
                      value=lambda lang: f"### {t(lang, 'preview_label')}")
                    preview = gr.HTML(render.hint_html(t(lang0, "preview_hint")), elem_id="tb-preview")

            # Settings -----------------------------------------------------------------------------
            with L(gr.Tab(t(lang0, "tab_settings"), id="settings", elem_id="tb-tab-settings"),
                   label="tab_settings") as settings:
                with gr.Row(equal_height=True):
                    top_k = L(gr.Slider(*settings_tab.TOP_K_RANGE, step=1, value=bot.settings.top_k,
                                        label=t(lang0, "top_k"), elem_id="tb-top-k"), label="top_k")
                    model = L(gr.Radio(settings_tab.model_choices(bot, lang0), value=bot.settings.llm,
                                       label=t(lang0, "model_choice"), interactive=not bot.settings.llm_base_url,
                                       elem_id="tb-model"),
                              label="model_choice", choices=partial(settings_tab.model_choices, bot))
                apply_btn = L(gr.Button(t(lang0, "apply"), variant="primary", elem_id="tb-apply"), value="apply")
                settings_status = gr.Markdown(t(lang0, "server_llm", url=bot.settings.llm_base_url)
                                              if bot.settings.llm_base_url else "", elem_id="tb-settings-status")
                L(gr.Markdown(f"### {t(lang0, 'settings_current')}"),
                  value=lambda lang: f"### {t(lang, 'settings_current')}")
                settings_table = gr.Markdown("", elem_id="tb-settings-table")

        # Events: chat ---------------------------------------------------------------------------------
        sources = [src_articles, src_publishers, src_from, src_to]
        conv_state = [conv_list, conv_id, conv_name, export_md, export_json]
        state_io = dict(fn=partial(conversations_panel.state, bot), inputs=[ui_lang, session], outputs=conv_state,
                        api_visibility="private", show_progress="hidden", concurrency_limit=None)
        url_io = dict(fn=None, inputs=[conv_id], outputs=None, js=conversations_panel.URL_JS)
        ask_io = dict(fn=partial(chat.ask, bot), inputs=[question, chatbot, answer_lang, ui_lang, session, *sources],
                      outputs=[chatbot, question, ask_btn, stop_btn, notice], show_progress="hidden",
                      concurrency_limit=None)  # answers wait for the model in the engine, showing a clock
        ask_btn.click(**ask_io, api_name="ask").then(**state_io).then(**url_io)
        question.submit(**ask_io, api_visibility="private").then(**state_io).then(**url_io)
        stop_btn.click(chat.stop, inputs=[session], outputs=None, api_name="stop", concurrency_limit=None,
                       show_progress="hidden")
        new_btn.click(chat.new_conversation, inputs=[ui_lang, session], outputs=[chatbot, source_panel, notice],
                      api_name="new_conversation").then(**state_io).then(**url_io)
        chatbot.clear(chat.new_conversation, inputs=[ui_lang, session], outputs=[chatbot, source_panel, notice],
                      api_visibility="private").then(**state_io).then(**url_io)

        chat_tab.select(None, js=SCROLL_CHAT_TO_END_JS)

        # Events: saved conversations and the chosen sources --------------------------------------------
        conv_list.input(partial(conversations_panel.open_conversation, bot), inputs=[conv_list, ui_lang, session],
                        outputs=[chatbot, source_panel, notice, *conv_state], api_name="open_conversation",
                        show_progress="hidden").then(**url_io)
        rename_btn.click(partial(conversations_panel.rename, bot), inputs=[conv_name, ui_lang, session],
                         outputs=[notice, *conv_state], api_name="rename_conversation", show_progress="hidden")
        deleting = {lang: TEXTS[lang]["delete_confirm"] for lang in TEXTS}
        delete_btn.click(partial(conversations_panel.delete, bot), inputs=[ui_lang, session],
                         outputs=[chatbot, source_panel, notice, *conv_state], api_name="delete_conversation",
                         js=conversations_panel.confirm_js(deleting), show_progress="hidden").then(**url_io)
        choose_sources.expand(partial(sources_panel.choices, bot), inputs=[ui_lang],
                              outputs=[src_articles, src_publishers], api_visibility="private",
                              show_progress="hidden")
        for box in sources:
            box.change(partial(sources_panel.chips, bot), inputs=[*sources, ui_lang], outputs=chips,
                       api_visibility="private", show_progress="hidden", concurrency_limit=None)
        all_sources.click(sources_panel.clear, inputs=[ui_lang], outputs=[*sources, chips], api_visibility="private",
                          show_progress="hidden")
        cite_request.change(partial(chat.open_source, bot), inputs=[cite_request, ui_lang, session],
                            outputs=source_panel, api_name="open_source", concurrency_limit=None,
                            show_progress="hidden").then(None, js=SCROLL_TO_MARK_JS)

        # Events: library -------------------------------------------------------------------------------
        library_outputs = [lib_summary, table, remove_choice]
        library.select(partial(library_tab.view, bot), inputs=[ui_lang, session], outputs=library_outputs,
                       api_name="library", concurrency_limit=None)
        lib_search.change(partial(library_tab.search, bot), inputs=[lib_search, ui_lang, session],
                         outputs=library_outputs, api_name="search_library", concurrency_limit=None,
                         show_progress="hidden", trigger_mode="always_last")
        def on_select(lang: str, evt: gr.SelectData) -> tuple[str | dict[str, Any], dict[str, Any]]:
            return library_tab.preview(bot, lang, evt)

        table.select(on_select, inputs=[ui_lang], outputs=[preview, remove_choice],
                     api_visibility="private", concurrency_limit=None).then(
            None, js="() => { const p = document.querySelector('#tb-preview'); if (p) p.scrollTop = 0; }")
        add_btn.click(partial(library_tab.add, bot), inputs=[files, ui_lang, session],
                      outputs=[add_result, *library_outputs, files], api_name="add_files", concurrency_id="library",
                      show_progress_on=files)
        confirm = {lang: TEXTS[lang]["remove_confirm"] for lang in TEXTS}
        remove_btn.click(partial(library_tab.remove, bot), inputs=[remove_choice, ui_lang, session],
                         outputs=[remove_result, *library_outputs, preview], js=library_tab.confirm_js(confirm),
                         api_name="remove_article", concurrency_id="library", show_progress_on=remove_result)

        # Events: settings ---------------------------------------------------------------------------------
        settings.select(partial(settings_tab.describe, bot), inputs=[ui_lang, session], outputs=settings_table,
                        api_visibility="private")
        apply_btn.click(partial(settings_tab.apply, bot), inputs=[top_k, model, ui_lang, session],
                        outputs=[settings_status, settings_table, model], api_name="apply_settings")
        model.input(partial(settings_tab.choose, bot), inputs=[model, ui_lang, session], outputs=settings_status,
                    api_name="choose_model", show_progress="hidden")  # what the switch costs, before it is made

        # Events: interface language ------------------------------------------------------------------------
        panels = [source_panel, preview, lib_summary, table, remove_choice, settings_table, add_result, remove_result,
                  settings_status]

        def relabel(lang: str, sess: Session) -> list[Any]:
            return [*labels.updates(lang), render.hint_html(t(lang, "source_hint")),
                    render.hint_html(t(lang, "preview_hint")), *library_tab.view(bot, lang, sess),
                    settings_tab.describe(bot, lang, sess), *library_tab.results(sess, lang),
                    settings_tab.status(bot, lang, sess)]

        def on_load(sess: Session, remembered_lang: str, request: gr.Request) -> list[Any]:
            lang = remembered_lang if remembered_lang in TEXTS else \
                preferred_language(request.headers.get("accept-language") if request else None)
            return [lang, *relabel(lang, sess), *conversations_panel.from_address(bot, request, lang, sess),
                    render.chips_html(None, {}, lang)]

        def on_language(lang: str, sess: Session, articles: list[str], publishers: list[str], date_from: str,
                        date_to: str) -> list[Any]:
            return [*relabel(lang, sess), *conversations_panel.state(bot, lang, sess),
                    sources_panel.chips(bot, articles, publishers, date_from, date_to, lang),
                    conversations_panel.redrawn(bot, lang, sess)]

        locale_io = dict(fn=None, inputs=[ui_lang], outputs=None, js=LOCALE_JS)
        # Gradio translates its own strings of a component when the component is drawn: once the language is
        # in force, the page (ui/static/tanya.js) asks for the upload box, drawn already, to be drawn again.
        remount = dict(outputs=files, api_visibility="private", show_progress="hidden", queue=False)
        redraw.click(lambda: gr.update(visible=False), **remount).then(lambda: gr.update(visible=True), **remount)
        ui_lang.input(on_language, inputs=[ui_lang, session, *sources], js=REMEMBER_LANGUAGE_JS,
                      outputs=[*labels.components, *panels, *conv_state, chips, chatbot], api_visibility="private",
                      ).then(**locale_io)
        app.load(on_load, inputs=[session, remembered], js=REMEMBERED_LANGUAGE_JS,
                 outputs=[ui_lang, *labels.components, *panels, chatbot, notice, *conv_state, chips],
                 api_visibility="private", show_progress="hidden",  # no grey overlay over the page on load
                 ).then(**url_io).then(**locale_io)
    return app


def _answer_language_choices(lang: str) -> list[tuple[str, str]]:
    return [(t(lang, "lang_auto"), "auto"), (t(lang, "lang_id"), "id"), (t(lang, "lang_en"), "en")]


def page_head() -> str:
    """The page's script (ui/static/tanya.js), after the texts it writes itself in both languages."""
    texts = json.dumps(page_texts(mb=f"{MAX_FILE_BYTES / 1e6:.0f}"), ensure_ascii=False).replace("</", "<\\/")
    return (f"<script>window.tbTexts = {texts};</script>"
            f"<script>{(STATIC / 'tanya.js').read_text(encoding='utf-8')}</script>")


def launch(bot: Assistant, host: str = "127.0.0.1", port: int = 7860, *, block: bool = True,
           startup_problem: str | None = None, quiet: bool = False):
    """Serve the page on ``host:port``; with ``block=False`` return the running app (``app.close()`` stops it)."""
    app = build_app(bot, startup_problem).queue(default_concurrency_limit=1)
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    app.launch(
        # A request whose Host is not this server's is refused (400): a page elsewhere that rebinds its
        # own name to 127.0.0.1 (DNS rebinding) cannot read the library or change it through the browser.
        app_kwargs={"middleware": [Middleware(TrustedHostMiddleware,
                                              allowed_hosts=allowed_hosts(host, bot.settings.allowed_hosts))]},
        server_name=host, server_port=port, share=False, prevent_thread_lock=not block, quiet=quiet,
        show_error=False,  # failures are shown as messages by the handlers; details go to the log
        head=page_head(),
        css=(STATIC / "tanya.css").read_text(encoding="utf-8"),
        theme=gr.themes.Default(),  # its fonts are served locally: no font CDN
        max_file_size=MAX_FILE_BYTES, footer_links=["api"], enable_monitoring=False, run_history=False,
        mcp_server=False, pwa=False, ssr_mode=False,
    )
    return app


def serve(bot: Assistant, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Load the index and model, then serve the page until interrupted (never shared beyond ``host``)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    problem = None
    try:  # index and load the models before the first visitor waits on them
        bot.prepare()
    except TanyaError as exc:  # the page says so; questions will show the same message
        problem = str(exc)
        log.error("start-up: %s", exc)
    if host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("serving on %s: other machines on the network can reach this page", host)
    print(f"Tanya Berita: http://{host}:{port}", flush=True)
    launch(bot, host, port, block=True, startup_problem=problem)
