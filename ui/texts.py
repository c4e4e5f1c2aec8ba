"""Every piece of interface text, in Indonesian and English."""

from __future__ import annotations

from typing import Literal

UILanguage = Literal["id", "en"]

TEXTS: dict[str, dict[str, str]] = {
    "id": {
        "tagline": "Tanyakan apa saja tentang artikel berita; setiap klaim dalam jawaban menunjuk ke sumbernya [n]. "
                   "Semua berjalan di komputer ini.",
        "ui_language": "Bahasa antarmuka",
        "tab_chat": "Percakapan",
        "tab_library": "Pustaka",
        "tab_settings": "Pengaturan",
        "chat_label": "Percakapan",
        "chat_placeholder": "**Tanya Berita**<br>Ajukan pertanyaan tentang artikel di pustaka. Klik [n] di jawaban "
                            "untuk membaca bagian artikel yang dikutip.",
        "question_label": "Pertanyaan",
        "question_placeholder": "Misalnya: Siapa yang memberikan rompi antipeluru kepada Kim Jong Un?",
        "ask": "Tanya",
        "stop": "Hentikan",
        "new_conversation": "Percakapan baru",
        "answer_language": "Bahasa jawaban",
        "lang_auto": "Sesuai pertanyaan",
        "lang_id": "Indonesia",
        "lang_en": "Inggris",
        "examples": "Contoh pertanyaan",
        "empty_question": "Ketik pertanyaan dulu.",
        "busy": "Tunggu jawaban yang sedang ditulis selesai, atau hentikan dulu.",
        "source_label": "Sumber yang dikutip",
        "source_hint": "Klik nomor [n] pada jawaban untuk membuka bagian yang dikutip, disorot di dalam artikelnya.",
        "reading": "Membaca sumber…",
        "queued": "Menunggu giliran: {n} pertanyaan lain dijawab lebih dulu…",
        "reading_hint": "Kata pertama bisa butuh belasan detik di CPU laptop.",
        "writing": "Menulis jawaban… setiap kalimat tampil setelah lolos pemeriksaan sumber.",
        "checking": "Memeriksa jawaban terhadap sumber…",
        "stopped": "Dihentikan. Jawaban yang belum selesai ini belum diperiksa.",
        "sources": "Sumber",
        "abstain_label": "Tidak ditemukan di sumber",
        "closest": "Bagian paling dekat yang ditemukan (tidak menjawab pertanyaan):",
        "copy": "Salin jawaban dan sumber",
        "copied": "Tersalin ✓",
        "error_generic": "Terjadi kesalahan. Detailnya ada di log server.",
        "cited_passage": "Bagian yang dikutip disorot.",
        "passage_not_found": "Bagian yang dikutip tidak ditemukan persis di teks artikel; ini bagian itu:",
        "article_gone": "Artikel ini sudah tidak ada di pustaka. Bagian yang dikutip:",
        "unknown_source": "Sumber ini tidak ada lagi (percakapan baru sudah dimulai?).",
        "library_summary": "{articles} artikel, {chunks} bagian di indeks.",
        "library_empty": "Pustaka masih kosong: tambahkan artikel di bawah.",
        "col_title": "Judul",
        "col_publisher": "Penerbit",
        "col_date": "Tanggal",
        "col_chunks": "Bagian",
        "col_id": "ID",
        "preview_label": "Pratinjau",
        "preview_hint": "Pilih sebuah artikel di tabel untuk membacanya.",
        "upload_label": "Tambah artikel ({types}, maksimal {mb} MB per berkas)",
        "add_files": "Tambahkan ke pustaka",
        "no_files": "Pilih berkas dulu.",
        "adding": "Mengindeks {name}",
        "remove_label": "Artikel yang dihapus",
        "remove": "Hapus dari pustaka",
        "remove_confirm": "Hapus artikel ini dari pustaka?",
        "nothing_selected": "Pilih artikel yang akan dihapus.",
        "removed": "Dihapus: **{title}** ({chunks} bagian).",
        "removed_file": "Berkasnya dipindahkan ke `{path}` agar tidak terindeks lagi.",
        "removed_kept": "Berkasnya `{path}` memuat artikel lain juga: berkas itu tetap, artikel lainnya tetap "
                        "terindeks, dan artikel ini dilewati saat folder diindeks lagi.",
        "settings_current": "Pengaturan saat ini",
        "top_k": "Jumlah bagian yang dibaca model (top-k)",
        "model_choice": "Model bahasa",
        "model_quality": "Kualitas",
        "model_fast": "Cepat",
        "model_current": "Saat ini",
        "apply": "Terapkan untuk sesi ini",
        "applied": "Sesi ini memakai **{llm}**, top-k **{top_k}**.",
        "loading_model": "Memuat model…",
        "server_llm": "Model bahasa dilayani oleh server {url}; model tidak bisa diganti di sini.",
        "startup_problem": "Ada masalah saat memulai",
        "setting": "Pengaturan",
        "value": "Nilai",
    },
    "en": {
        "tagline": "Ask anything about the news articles; every claim in an answer points to its source [n]. "
                   "Everything runs on this computer.",
        "ui_language": "Interface language",
        "tab_chat": "Chat",
        "tab_library": "Library",
        "tab_settings": "Settings",
        "chat_label": "Chat",
        "chat_placeholder": "**Tanya Berita**<br>Ask a question about the articles in the library. Click a [n] in an "
                            "answer to read the cited passage.",
        "question_label": "Question",
        "question_placeholder": "For example: Who gave Kim Jong Un a bulletproof vest?",
        "ask": "Ask",
        "stop": "Stop",
        "new_conversation": "New conversation",
        "answer_language": "Answer language",
        "lang_auto": "Same as the question",
        "lang_id": "Indonesian",
        "lang_en": "English",
        "examples": "Example questions",
        "empty_question": "Type a question first.",
        "busy": "Wait for the answer being written, or stop it first.",
        "source_label": "Cited source",
        "source_hint": "Click a number [n] in an answer to open the cited passage, highlighted inside its article.",
        "reading": "Reading the sources…",
        "queued": "Waiting for the model: {n} other question(s) first…",
        "reading_hint": "The first words can take a dozen seconds or more on a laptop CPU.",
        "writing": "Writing the answer… each sentence appears once it has passed the check against the sources.",
        "checking": "Checking the answer against the sources…",
        "stopped": "Stopped. This unfinished answer has not been checked.",
        "sources": "Sources",
        "abstain_label": "Not found in the sources",
        "closest": "Closest passages found (they do not answer the question):",
        "copy": "Copy answer with sources",
        "copied": "Copied ✓",
        "error_generic": "Something went wrong. The server log has the details.",
        "cited_passage": "The cited passage is highlighted.",
        "passage_not_found": "The cited passage was not found verbatim in the article text; here it is:",
        "article_gone": "This article is no longer in the library. The cited passage:",
        "unknown_source": "This source is gone (was a new conversation started?).",
        "library_summary": "{articles} articles, {chunks} passages in the index.",
        "library_empty": "The library is empty: add articles below.",
        "col_title": "Title",
        "col_publisher": "Publisher",
        "col_date": "Date",
        "col_chunks": "Passages",
        "col_id": "ID",
        "preview_label": "Preview",
        "preview_hint": "Select an article in the table to read it.",
        "upload_label": "Add articles ({types}, at most {mb} MB per file)",
        "add_files": "Add to the library",
        "no_files": "Choose files first.",
        "adding": "Indexing {name}",
        "remove_label": "Article to remove",
        "remove": "Remove from the library",
        "remove_confirm": "Remove this article from the library?",
        "nothing_selected": "Choose the article to remove.",
        "removed": "Removed: **{title}** ({chunks} passages).",
        "removed_file": "Its file was moved to `{path}` so that it is not indexed again.",
        "removed_kept": "Its file `{path}` holds other articles too: the file stays, its other articles stay "
                        "indexed, and this one is skipped when the folder is indexed again.",
        "settings_current": "Current settings",
        "top_k": "Passages the model reads (top-k)",
        "model_choice": "Language model",
        "model_quality": "Quality",
        "model_fast": "Fast",
        "model_current": "Current",
        "apply": "Apply to this session",
        "applied": "This session uses **{llm}**, top-k **{top_k}**.",
        "loading_model": "Loading the model…",
        "server_llm": "The language model is served by {url}; it cannot be switched here.",
        "startup_problem": "A problem at start-up",
        "setting": "Setting",
        "value": "Value",
    },
}


def t(lang: str, key: str, **values: object) -> str:
    """The text ``key`` in ``lang`` (Indonesian when unknown), with ``values`` filled in."""
    text = TEXTS.get(lang, TEXTS["id"])[key]
    return text.format(**values) if values else text


def preferred_language(accept_language: str | None) -> UILanguage:
    """The interface language a browser asks for: English if it prefers English to Indonesian, else Indonesian."""
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()
        if code.startswith(("id", "in", "ms")):
            return "id"
        if code.startswith("en"):
            return "en"
    return "id"
