from pathlib import Path

import pytest

from index.articles import find_article_files, load_article
from index.chunking import chunk_article
from index.errors import ArticleError

SEEDS = Path(__file__).resolve().parent.parent / "data" / "articles"


def test_load_article_uses_file_stem_as_id():
    a = load_article(SEEDS / "000_f6ccf7329cada5fc.txt")
    assert a.doc_id == "000_f6ccf7329cada5fc" and a.publisher == "PARBOABOA" and len(a.content_hash) == 16


def test_find_article_files_walks_folders_and_dedupes(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "sub" / "b.txt").write_text("y")
    (tmp_path / "c.bin").write_bytes(b"\x00")
    found = find_article_files([tmp_path, tmp_path / "a.txt"])
    assert [p.name for p in found] == ["a.txt", "b.txt"]


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(ArticleError, match="No such file"):
        find_article_files([tmp_path / "nope"])


@pytest.mark.parametrize("content,match", [(b"", "no article text"), (b"\n  \n", "no article text"),
                                           (b"\x00\x01binary\x00", "binary"),
                                           (b"Baca Juga\nNyaman tanpa iklan. Langganan BisnisPro\n",
                                            "no article text")])
def test_unusable_files_raise_article_error(tmp_path, content, match):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(ArticleError, match=match):
        load_article(path)


def test_unsupported_type(tmp_path):
    path = tmp_path / "a.odt"
    path.write_text("hello")
    with pytest.raises(ArticleError, match="unsupported file type"):
        load_article(path)


def test_windows_1252_text_is_read(tmp_path):
    path = tmp_path / "cp.txt"
    path.write_bytes("Judul\n\nKim berkata \u201cterima kasih\u201d kepada Putin.".encode("cp1252"))
    assert "\u201cterima kasih\u201d" in load_article(path).text


@pytest.fixture(scope="module")
def chunks():
    return {f.stem: chunk_article(load_article(f), 160, 24) for f in sorted(SEEDS.glob("*.txt"))}


def test_chunk_ids_are_stable_and_unique(chunks):
    again = {f.stem: chunk_article(load_article(f), 160, 24) for f in sorted(SEEDS.glob("*.txt"))}
    assert {k: [c.id for c in v] for k, v in chunks.items()} == {k: [c.id for c in v] for k, v in again.items()}
    ids = [c.id for v in chunks.values() for c in v]
    assert len(ids) == len(set(ids))
    assert chunks["000_f6ccf7329cada5fc"][0].id == "000_f6ccf7329cada5fc#0000"


def test_chunks_end_on_sentence_boundaries(chunks):
    for doc_chunks in chunks.values():
        for c in doc_chunks:
            assert c.text.rstrip()[-1] in '.!?"”)', c.text[-60:]


def test_chunks_cover_every_sentence(chunks):
    for f in sorted(SEEDS.glob("*.txt")):
        article = load_article(f)
        joined = " ".join(c.text for c in chunks[f.stem])
        for paragraph in article.text.split("\n\n"):
            assert paragraph[:40] in joined


def test_chunk_metadata(chunks):
    c = chunks["001_c3097b6ce2799c8a"][1]
    assert c.metadata["doc_id"] == "001_c3097b6ce2799c8a" and c.metadata["publisher"] == "Bisnis.com"
    assert c.metadata["date"] == "2023-09-18" and c.metadata["position"] == 1
