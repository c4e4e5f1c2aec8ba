"""The whole library as the prompt's sources (setting ``library_in_prompt``): real index, word vectors, a quoting
fake model that counts words as tokens."""

from __future__ import annotations

from fakes import QuotingModel, fake_assistant

from rag.library_prompt import WholeLibrary, library_sources

QUESTION = "Siapa duta besar Rusia untuk Korea Utara yang dikutip kantor berita RIA?"


def test_every_chunk_is_one_source_and_every_sentence_is_in_one(tmp_path):
    bot = fake_assistant(tmp_path / "home")
    sources = library_sources(bot.store)
    assert [s.number for s in sources] == list(range(1, len(sources) + 1))
    chunks = bot.store.all_chunks()
    assert len(sources) == len(chunks)  # no chunk of the bundled articles is all overlap
    assert [s.doc_id for s in sources] == sorted(c.doc_id for c in chunks)  # articles in order of their ids
    for doc_id in {s.doc_id for s in sources}:
        of_article = [sentence for s in sources if s.doc_id == doc_id for sentence in s.sentences]
        assert len(set(of_article)) == len(of_article)  # chunk overlaps read once
    for source in sources:
        [chunk_id] = source.passage_ids
        assert chunk_id.startswith(source.doc_id + "#") and source.title
    text = " ".join(s.text for s in sources)
    assert "Alexander Matsegora" in text and "Sergei Shoigu" in text


def test_a_small_library_is_in_the_fixed_prompt_and_the_question_alone_is_read(tmp_path):
    model = QuotingModel()
    bot = fake_assistant(tmp_path / "home", chat_model=model, library_in_prompt=5000, context_window=8192)
    answer = bot.ask(QUESTION)
    assert model.prompts[-1].startswith("Question: " + QUESTION) and "Sources:" not in model.prompts[-1]
    assert not answer.abstained and "Matsegora" in answer.text
    assert any("whole library (5 articles, " in n for n in answer.notes)
    [citation] = answer.citations
    # the citation is the passage (a chunk) that holds the supporting sentence, not the whole article
    assert citation.doc_id.startswith("004_") and any("Matsegora" in q for q in citation.quotes)
    article = next(a for a in bot.articles() if a.doc_id == citation.doc_id)
    chunk = next(c for c in bot.store.all_chunks() if c.id == citation.passage_id)
    assert article.chunks > 1 and "Matsegora" in chunk.text and all(q in chunk.text for q in citation.quotes)
    assert f"[{citation.number}]" in answer.text


def test_a_library_too_long_a_restricted_question_or_no_setting_answer_from_the_evidence(tmp_path):
    for settings in ({"library_in_prompt": 50, "context_window": 8192},  # five articles are ~2,000 words
                     {"library_in_prompt": 5000, "context_window": 2048},  # no room in the context
                     {}):
        model = QuotingModel()
        bot = fake_assistant(tmp_path / f"home-{len(settings)}-{settings.get('context_window')}", chat_model=model,
                             **settings)
        answer = bot.ask(QUESTION)
        assert model.prompts[-1].startswith("Sources:\n[1]"), settings
        assert not any("whole library" in n for n in answer.notes)
    model = QuotingModel()
    bot = fake_assistant(tmp_path / "home-restricted", chat_model=model, library_in_prompt=5000,
                         context_window=8192)
    doc = next(a.doc_id for a in bot.articles() if a.doc_id.startswith("004_"))
    bot.ask(QUESTION, filters={"doc_id": doc})
    assert model.prompts[-1].startswith("Sources:\n[1]")  # a restriction: the chosen articles' evidence


def test_the_library_sources_follow_every_change_to_the_index(tmp_path):
    from index import load_article

    bot = fake_assistant(tmp_path / "home", library_in_prompt=5000, context_window=8192)
    library = WholeLibrary(5000)
    before = library.sources(bot.store, QuotingModel.count_tokens)
    assert before is not None and len({s.doc_id for s in before}) == 5
    assert library.sources(bot.store, QuotingModel.count_tokens) is before  # unchanged index: made once
    new = tmp_path / "baru.txt"
    new.write_text("Festival Layang-layang Padang Galak\n\nFestival layang-layang diikuti peserta dari dua belas "
                   "negara pada Minggu.", encoding="utf-8")
    bot.add_articles([load_article(new)], progress=False)
    after = library.sources(bot.store, QuotingModel.count_tokens)
    assert after is not None and len({s.doc_id for s in after}) == 6
    assert any("dua belas negara" in s.text for s in after)
    bot.remove_article(before[0].doc_id)
    assert [s.text for s in library.sources(bot.store, QuotingModel.count_tokens) or []] == \
        [s.text for s in after if s.doc_id != before[0].doc_id]
    assert WholeLibrary(0).sources(bot.store, QuotingModel.count_tokens) is None  # off
    assert library.sources(bot.store, None) is None  # a model that cannot count its tokens (a server)
