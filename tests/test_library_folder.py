"""Where uploads go (rag/settings.py, `Settings.library_path`): into `$TANYA_HOME/library` while the articles
folder is the program's own (bundled) one, into the articles folder when it was set; both are indexed, and
removing an upload moves its file out of the library. Fake models (tests/fakes.py)."""

from __future__ import annotations

from fakes import NoChatModel, WordEmbedder

from rag import Assistant, load_settings
from rag.settings import BUNDLED_ARTICLES

ARTICLE = ("Pelabuhan Baru Diresmikan di Sulawesi\n\nPelabuhan peti kemas baru di Bitung diresmikan pekan ini "
           "dan siap melayani kapal besar dari Asia Timur.\n")


def test_uploads_go_under_tanya_home_unless_the_articles_folder_was_set(tmp_path):
    assert load_settings(home=tmp_path / "home").library_path == tmp_path / "home" / "library"
    assert load_settings(home=tmp_path / "home").articles_dir == BUNDLED_ARTICLES  # still indexed first
    chosen = load_settings(home=tmp_path / "home", articles_dir=tmp_path / "mine")
    assert chosen.library_path == tmp_path / "mine" and chosen.article_folders == [tmp_path / "mine"]


def test_an_upload_lands_in_the_library_under_tanya_home_and_the_checkout_is_untouched(tmp_path):
    bundled = sorted(p.name for p in BUNDLED_ARTICLES.iterdir())
    bot = Assistant(load_settings(home=tmp_path / "home"), embedder=WordEmbedder(), chat_model=NoChatModel())
    bot.prepare(model=False)  # as `tanya ui` starts: the bundled articles indexed at the first start
    upload = tmp_path / "upload-123.txt"
    upload.write_text(ARTICLE, encoding="utf-8")
    [outcome] = bot.add_files([upload], names=["pelabuhan.txt"])
    assert outcome.status == "added", outcome.message
    assert (tmp_path / "home" / "library" / "pelabuhan.txt").read_text(encoding="utf-8") == ARTICLE
    assert sorted(p.name for p in BUNDLED_ARTICLES.iterdir()) == bundled  # nothing written into the program

    ids = {a.doc_id for a in bot.articles()}
    assert "pelabuhan" in ids and {p.stem for p in BUNDLED_ARTICLES.glob("*.txt")} <= ids  # bundled ones first
    assert bot.settings.article_folders == [BUNDLED_ARTICLES, tmp_path / "home" / "library"]
    report = bot.index(progress=False)  # `tanya index`: both folders, the upload kept
    assert not report.added and "pelabuhan" in {a.doc_id for a in bot.articles()}

    removed = bot.remove_article("pelabuhan")  # an upload's file leaves the library...
    assert removed.moved_to == tmp_path / "home" / "removed" / "pelabuhan.txt"
    assert not (tmp_path / "home" / "library" / "pelabuhan.txt").exists()
    assert sorted(p.name for p in BUNDLED_ARTICLES.iterdir()) == bundled
