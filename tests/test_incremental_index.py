"""Incremental, idempotent indexing of every format, with the real embedder and a real Chroma store."""

import json
import shutil
from pathlib import Path

import pytest
from pdf_maker import make_pdf

from index import ChunkStore, IndexDirectoryError, chunk_article, document_states, index_articles, load_article

SEEDS = Path(__file__).resolve().parent.parent / "data" / "articles"


def news(n: int, extra: str = "") -> str:
    """A small distinct article."""
    return (f"Berita Nomor {n} Tentang Kota {n}\n\n"
            f"KOMPAS.com, JAKARTA - Pemerintah kota nomor {n} membangun {n} jembatan baru pada Senin (18/9/2023). "
            f"Wali kota mengatakan proyek ke-{n} itu selesai tahun depan. {extra}\n\n"
            f"Warga kota {n} menyambut baik rencana tersebut, kata seorang tokoh masyarakat.")


@pytest.fixture()
def store(tmp_path):
    return ChunkStore.open(path=tmp_path / "index", embed_model="multilingual-e5-small")


def run(paths, store, embedder, **kw):
    return index_articles([Path(p) for p in paths], store, embedder, progress=False, **kw)


def docs(store) -> dict[str, int]:
    """doc_id -> number of chunks, and every document complete."""
    states = document_states(store)
    assert all(s.complete for s in states.values()), [s for s in states.values() if not s.complete]
    return {d: s.chunks for d, s in states.items()}


def test_every_format_is_indexed_once(store, embedder, tmp_path):
    from eval.boilerplate import build_cases

    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(SEEDS / "000_f6ccf7329cada5fc.txt", folder / "seed.txt")
    (folder / "b.md").write_text("---\ntitle: Berita Markdown\nurl: https://contoh.id/md\n---\n\n" + news(1), "utf-8")
    page = next(c for c in build_cases() if c.name == "html-dev-koran/003_ed3a9f055e0eb795")
    (folder / "c.html").write_text(page.content, "utf-8")
    (folder / "d.pdf").write_bytes(make_pdf([news(2).split("\n\n")], title="Berita PDF"))
    (folder / "e.jsonl").write_text("\n".join(json.dumps({"text": news(n), "title": f"Baris {n}"}) for n in (3, 4))
                                    + "\n")
    first = run([folder], store, embedder)
    assert sorted(first.added) == ["b", "c", "d", "e-1", "e-2", "seed"] and not first.skipped
    chunks = {c.doc_id: c.metadata for c in store.all_chunks()}
    assert chunks["b"]["url"] == "https://contoh.id/md" and chunks["b"]["title"] == "Berita Markdown"
    assert chunks["c"]["date"] == "2023-09-13" and chunks["d"]["title"] == "Berita PDF"
    assert chunks["e-2"]["source_location"] == "line 2" and chunks["e-2"]["title"] == "Baris 4"
    count = store.count()
    second = run([folder], store, embedder)
    assert second.added == second.updated == [] and second.chunks_written == 0 and len(second.unchanged) == 6
    assert store.count() == count
    assert second.summary() == "0 added, 0 updated, 6 unchanged, 0 removed, 0 skipped, 0 chunks written"


def test_deleted_files_are_removed_only_when_their_folder_is_indexed(store, embedder, tmp_path):
    folder = tmp_path / "a"
    (folder / "sub").mkdir(parents=True)
    for name, n in (("x.txt", 1), ("y.txt", 2), ("sub/z.txt", 3)):
        (folder / name).write_text(news(n))
    run([folder], store, embedder)
    (folder / "y.txt").unlink()
    (folder / "sub" / "z.txt").unlink()
    single = run([folder / "x.txt"], store, embedder)  # one file: nothing else is touched
    assert single.unchanged == ["x"] and single.removed == [] and set(docs(store)) == {"x", "y", "z"}
    other = tmp_path / "other"
    other.mkdir()
    (other / "w.txt").write_text(news(4))
    run([other], store, embedder)  # another folder: nothing of this one is touched
    assert set(docs(store)) == {"w", "x", "y", "z"}
    report = run([folder], store, embedder)
    assert [d for d, _ in report.removed] == ["y", "z"] and "is gone" in report.removed[0][1]
    assert set(docs(store)) == {"w", "x"}
    assert "removed y: " in report.summary()


def test_duplicate_article_under_two_names_is_indexed_once(store, embedder, tmp_path):
    folder = tmp_path / "dup"
    folder.mkdir()
    (folder / "a.txt").write_text(news(1))
    (folder / "b.txt").write_text(news(1))
    (folder / "c.md").write_text(news(1).replace("\n\n", "\n\n\n"))  # same article, other format
    first = run([folder], store, embedder)
    assert first.added == ["a"]
    assert {Path(p).name: r for p, r in first.skipped} == {"b.txt": f"duplicate of a ({folder / 'a.txt'})",
                                                            "c.md": f"duplicate of a ({folder / 'a.txt'})"}
    again = run([folder], store, embedder)
    assert again.unchanged == ["a"] and len(again.skipped) == 2 and set(docs(store)) == {"a"}
    (folder / "a.txt").unlink()  # the first copy goes: the next one takes its place
    third = run([folder], store, embedder)
    assert [d for d, _ in third.removed] == ["a"] and third.added == ["b"] and set(docs(store)) == {"b"}


def test_jsonl_edits_touch_only_the_changed_lines(store, embedder, tmp_path):
    path = tmp_path / "feed.jsonl"
    rows = [{"text": news(n)} for n in (1, 2, 3)] + [{"text": news(4), "url": "https://contoh.id/4"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    first = run([path], store, embedder)
    assert len(first.added) == 4
    rows[1]["text"] = news(2, extra="Ada kabar baru.")
    del rows[2]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    second = run([path], store, embedder)
    url_id = [d for d in first.added if d not in ("feed-1", "feed-2", "feed-3")][0]
    assert second.updated == ["feed-2"] and second.unchanged == ["feed-1", url_id]  # the url line kept its id
    assert second.removed == [("feed-3", f"no longer in {path}")]
    assert set(docs(store)) == {"feed-1", "feed-2", url_id}


def test_same_file_name_in_two_folders_gives_two_documents(store, embedder, tmp_path):
    for sub, n in (("one", 1), ("two", 2)):
        (tmp_path / "c" / sub).mkdir(parents=True)
        (tmp_path / "c" / sub / "news.txt").write_text(news(n))
    first = run([tmp_path / "c"], store, embedder)
    assert len(first.added) == 2 and first.added[0] == "news" and first.added[1].startswith("news-")
    second = run([tmp_path / "c"], store, embedder)
    assert sorted(second.unchanged) == sorted(first.added) and second.added == []


def test_half_written_document_is_found_and_redone(store, embedder, seed_articles):
    run([seed_articles], store, embedder)
    complete = docs(store)
    doc_id = "000_f6ccf7329cada5fc"
    article = load_article(seed_articles / f"{doc_id}.txt")
    chunks = chunk_article(article)
    assert len(chunks) > 2
    # As if indexing was killed after writing only the first chunk of this article.
    store.replace_document(doc_id, chunks[:1], embedder.embed_passages([chunks[0].text]),
                           embedder.embed_passages(list(chunks[0].sentences)))
    assert not document_states(store)[doc_id].complete
    report = run([seed_articles], store, embedder)
    assert report.updated == [doc_id] and len(report.unchanged) == 4 and docs(store) == complete


def test_mixed_versions_of_a_document_are_redone(store, embedder, tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    path = folder / "x.txt"
    path.write_text(news(1, extra="Kalimat tambahan. " * 80))
    run([folder], store, embedder)
    n_before = docs(store)["x"]
    path.write_text(news(1, extra="Satu kalimat."))
    new = chunk_article(load_article(path))
    # As if killed inside replace_document: the new first chunk written, the old ones not yet deleted.
    store._collection.upsert(ids=[new[0].id], documents=[new[0].text], metadatas=[new[0].metadata],
                             embeddings=embedder.embed_passages([new[0].text]).tolist())
    assert n_before > len(new) and not document_states(store)["x"].complete
    report = run([folder], store, embedder)
    assert report.updated == ["x"] and docs(store) == {"x": len(new)}


def test_bad_input_is_reported_and_nothing_indexed_is_lost(store, embedder, seed_articles, tmp_path):
    folder = tmp_path / "bad"
    shutil.copytree(seed_articles, folder)
    outside = tmp_path / "outside.txt"
    outside.write_text(news(9))
    first = run([folder], store, embedder)
    assert len(first.added) == 5
    kept = docs(store)
    (folder / "empty.txt").write_text("")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 10)
    (folder / "latin.txt").write_bytes(news(5).replace("Kota 5", "Kota S\u00e3o Tom\u00e9").encode("cp1252"))
    with (folder / "huge.txt").open("wb") as f:
        f.truncate(100 * 1024 * 1024)
    shutil.copy(folder / "002_e0a871338f087d8a.txt", folder / "copy of 002.txt")
    (folder / "link.txt").symlink_to(outside)
    (folder / "notes.odt").write_bytes(b"PK\x03\x04")
    report = run([folder], store, embedder)
    reasons = {Path(p).name: r for p, r in report.skipped}
    assert set(reasons) == {"empty.txt", "binary.txt", "huge.txt", "copy of 002.txt", "link.txt", "notes.odt"}
    assert "no article text" in reasons["empty.txt"] and "binary" in reasons["binary.txt"]
    assert "is 104.9 MB; .txt files over 5 MB are not indexed" in reasons["huge.txt"]
    assert reasons["copy of 002.txt"].startswith("duplicate of 002_e0a871338f087d8a")
    assert "outside" in reasons["link.txt"] and "unsupported file type .odt" in reasons["notes.odt"]
    assert report.added == ["latin"] and report.notes == [("latin", "not UTF-8: read as Windows-1252")]
    assert "S\u00e3o Tom\u00e9" in load_article(folder / "latin.txt").title
    assert len(report.unchanged) == 5 and report.removed == []
    assert docs(store) == {**kept, "latin": docs(store)["latin"]}
    summary = report.summary()
    assert "1 added, 0 updated, 5 unchanged, 0 removed, 6 skipped" in summary
    assert all(f"skipped {folder / name}" in summary for name in reasons if name != "link.txt")
    # An indexed file that turns bad keeps what was indexed from it.
    (folder / "003_ed3a9f055e0eb795.txt").write_bytes(b"\x00\x01\x02")
    later = run([folder], store, embedder)
    assert any("What was indexed from it before is kept" in r for _, r in later.skipped)
    assert "003_ed3a9f055e0eb795" in docs(store) and later.removed == []


def test_changed_chunk_settings_reindex(store, embedder, tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "x.txt").write_text(news(1))
    run([folder], store, embedder)
    report = run([folder], store, embedder, chunk_size=64, chunk_overlap=8)
    assert report.updated == ["x"]
    assert document_states(store)["x"].chunking == "64/8"


def test_rebuild_starts_clean_even_after_a_model_change(tmp_path, models_dir, embedder):
    from rag import Assistant, load_settings

    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "x.txt").write_text(news(1))
    settings = load_settings(home=tmp_path / "home", models_dir=models_dir, articles_dir=articles)
    bot = Assistant(settings, embedder=embedder)
    bot.index(progress=False)
    marker = settings.index_path / "tanya-index.json"
    marker.write_text(json.dumps({"format": 1, "embed_model": "some/other-model"}))  # as if built with another model
    with pytest.raises(IndexDirectoryError, match="--rebuild"):
        _ = Assistant(settings).store  # opening the store is what refuses
    bot = Assistant(settings, embedder=embedder)
    report = bot.index(rebuild=True, progress=False)
    assert report.added == ["x"] and bot.store.count() == len(chunk_article(load_article(articles / "x.txt")))
    assert json.loads(marker.read_text())["embed_model"] == "multilingual-e5-small"


def test_wipe_refuses_a_folder_that_is_not_an_index(tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.docx").write_text("precious")
    with pytest.raises(IndexDirectoryError, match="not a Tanya Berita index"):
        ChunkStore.wipe(path=foreign, embed_model="multilingual-e5-small")
    assert [p.name for p in foreign.iterdir()] == ["thesis.docx"]


def test_a_reader_failing_on_odd_input_skips_that_file_only(store, embedder, tmp_path, monkeypatch):
    import index.readers as readers

    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / "good.txt").write_text(news(1))
    (folder / "odd.txt").write_text(news(2))
    real = readers.READERS[".txt"]

    def flaky(path):
        if path.name == "odd.txt":
            raise RecursionError("maximum recursion depth exceeded")
        return real(path)

    monkeypatch.setitem(readers.READERS, ".txt", flaky)
    report = run([folder], store, embedder)
    assert report.added == ["good"]
    assert report.skipped == [(str(folder / "odd.txt"),
                               "cannot be read (RecursionError: maximum recursion depth exceeded)")]
