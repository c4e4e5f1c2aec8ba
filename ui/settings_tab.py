"""The settings tab: the models and retrieval settings in use; top-k and the model for this session."""

from __future__ import annotations

from functools import partial
from typing import Any

import gradio as gr

from rag import Assistant
from rag.model_files import model_cost
from ui.chat import readable
from ui.session import Session
from ui.texts import t

QUALITY_LLM = "qwen2.5-coder-1.5b"
FAST_LLM = "qwen2.5-coder-0.5b"
TOP_K_RANGE = (1, 12)


def model_choices(bot: Assistant, lang: str) -> list[tuple[str, str]]:
    """The fast/quality switch, plus the configured model when it is neither."""
    choices = [(f"{t(lang, 'model_quality')} — {QUALITY_LLM}", QUALITY_LLM),
               (f"{t(lang, 'model_fast')} — {FAST_LLM}", FAST_LLM)]
    if bot.settings.llm not in (QUALITY_LLM, FAST_LLM):
        choices.append((f"{t(lang, 'model_current')} — {bot.settings.llm}", bot.settings.llm))
    return choices


def size_text(size: float, lang: str) -> str:
    """Bytes as a person reads them: "1.1 GB", "491 MB" ("1,1 GB" in Indonesian)."""
    text = f"{size / 1e9:.1f} GB" if size >= 1e9 else f"{size / 1e6:.0f} MB"
    return text.replace(".", ",") if lang == "id" else text


def cost_notice(bot: Assistant, llm: str | None, lang: str, session: Session) -> str:
    """What switching this session to ``llm`` costs (disk, memory), said before the switch is applied; ""
    when ``llm`` is the model in use, is served elsewhere, or is not a built-in model."""
    if not llm or bot.settings.llm_base_url or llm == _effective(bot, session, "llm"):
        return ""
    cost = model_cost(llm, bot.settings.models_path, bot.settings.other_models_paths)
    if cost is None:
        return ""
    if cost.size is None:
        return t(lang, "switch_unknown", llm=llm)
    disk = (t(lang, "switch_disk", size=size_text(cost.size, lang), folder=cost.path.parent) if cost.to_write
            else t(lang, "switch_no_disk"))
    return t(lang, "switch_cost", llm=llm, disk=disk, memory=size_text(cost.size, lang), apply=t(lang, "apply"))


def choose(bot: Assistant, llm: str | None, lang: str, session: Session) -> str:
    """The model switch moved: what applying it would cost (remembered, to be said again in another language)."""
    said = partial(cost_notice, bot, llm, session=session)
    session.said["settings"] = lambda language: said(lang=language)
    return said(lang=lang)


def status(bot: Assistant, lang: str, session: Session) -> str:
    """The settings tab's last word, in ``lang``: what was chosen or applied, else how the model is served."""
    if "settings" in session.said:
        return session.said["settings"](lang)
    return t(lang, "server_llm", url=bot.settings.llm_base_url) if bot.settings.llm_base_url else ""


def _effective(bot: Assistant, session: Session, key: str) -> Any:
    return session.settings.get(key, getattr(bot.settings, key))


def describe(bot: Assistant, lang: str, session: Session) -> str:
    """The settings in force for this session, as a Markdown table."""
    s = bot.settings
    llm = f"{s.llm_model} @ {s.llm_base_url}" if s.llm_base_url else _effective(bot, session, "llm")
    rows = [  # (Indonesian, English, value, variable)
        ("Model bahasa", "Language model", llm, "TANYA_LLM"),
        ("Model embedding", "Embedding model", s.embed_model, "TANYA_EMBED_MODEL"),
        ("Indeks", "Index", s.chroma_url or str(s.index_path), "TANYA_HOME"),
        ("Folder artikel", "Articles folder", str(s.articles_dir), "TANYA_ARTICLES_DIR"),
        ("Folder unggahan", "Uploads folder", str(s.library_path), "TANYA_ARTICLES_DIR / TANYA_HOME"),
        ("Bagian yang dibaca model (top-k)", "Passages the model reads (top-k)", _effective(bot, session, "top_k"),
         "TANYA_TOP_K"),
        ("Kandidat per metode pencarian", "Candidates per retriever", s.candidates, "TANYA_CANDIDATES"),
        ("Bobot BM25 (id / en)", "BM25 weight (id / en)", f"{s.bm25_weight_id} / {s.bm25_weight_en}",
         "TANYA_BM25_WEIGHT_ID / _EN"),
        ("Bobot kalimat terbaik (id / en)", "Best-sentence weight (id / en)",
         f"{s.sentence_weight_id} / {s.sentence_weight_en}", "TANYA_SENTENCE_WEIGHT_ID / _EN"),
        ("Kalimat bukti / batas karakter", "Evidence sentences / character cap",
         f"{s.evidence_sentences} / {s.evidence_chars}", "TANYA_EVIDENCE_SENTENCES / _CHARS"),
        ("Kemiripan minimum untuk menjawab", "Minimum similarity to answer", s.min_evidence_score,
         "TANYA_MIN_EVIDENCE_SCORE"),
        ("Ukuran / tumpang-tindih bagian (token)", "Chunk size / overlap (tokens)",
         f"{s.chunk_size} / {s.chunk_overlap}", "TANYA_CHUNK_SIZE / _OVERLAP"),
        ("Konteks / batas jawaban (token)", "Context window / answer cap (tokens)",
         f"{s.context_window} / {s.max_answer_tokens}", "TANYA_CONTEXT_WINDOW / TANYA_MAX_ANSWER_TOKENS"),
        ("Thread CPU", "CPU threads", s.threads, "TANYA_THREADS"),
    ]
    lines = [f"| {t(lang, 'setting')} | {t(lang, 'value')} | TANYA_* |", "| --- | --- | --- |"]
    lines += [f"| {en if lang == 'en' else id_} | `{value}` | `{env}` |" for id_, en, value, env in rows]
    return "\n".join(lines)


def apply(bot: Assistant, top_k: float, llm: str | None, lang: str, session: Session) -> tuple[str, str, Any]:
    """Use ``top_k`` and ``llm`` for this session (the model is loaded now, so a missing one is reported
    here). Returns (status, settings table, model switch)."""
    wanted: dict[str, Any] = {"top_k": int(top_k)}
    if llm and not bot.settings.llm_base_url:
        wanted["llm"] = llm
    try:
        bot.with_settings(**wanted)
    except Exception as exc:
        session.said.pop("settings", None)
        return "⚠ " + readable(exc, lang), describe(bot, lang, session), gr.update(
            value=_effective(bot, session, "llm"))
    session.settings = {k: v for k, v in wanted.items() if getattr(bot.settings, k) != v}
    llm_now, top_k_now = _effective(bot, session, "llm"), _effective(bot, session, "top_k")
    session.said["settings"] = partial(t, key="applied", llm=llm_now, top_k=top_k_now)
    return session.said["settings"](lang), describe(bot, lang, session), gr.update()
