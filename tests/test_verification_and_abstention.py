"""Code decides what the user sees: verification of each answer sentence, and abstention."""

import pytest

from rag.abstention import Abstention, Reason, asks_for, before_model, cover_message, gives, is_refusal, missing_terms
from rag.evidence import PromptSource
from rag.followup import clean_rewrite, joined_question, looks_like_followup, previous_turns
from rag.grounding import GroundingJudge
from rag.retrieval import Passage
from rag.verification import verify_answer

VEST = PromptSource(1, "a", "Kim pulang", ("Oleg Kozhemyako bahkan memberi Kim rompi antipeluru dan enam drone.",),
              0.9, "Oleg Kozhemyako bahkan memberi Kim rompi antipeluru dan enam drone.", "PARBOABOA", "2023-09-17")
TALKS = PromptSource(2, "b", "Pertemuan",
                     ("Putin dan Kim mengadakan pembicaraan di kosmodrom Vostochny pada Rabu (13/9/2023).",),
                     0.85, "", "Bisnis.com", "2023-09-18")


@pytest.fixture(scope="module")
def judge(embedder):
    return GroundingJudge(embedder)


def test_a_supported_sentence_keeps_its_citation(judge):
    result = verify_answer("Oleg Kozhemyako memberi Kim rompi antipeluru [1].", [VEST, TALKS], judge)
    assert [(v.text, v.sources) for v in result.sentences] == [
        ("Oleg Kozhemyako memberi Kim rompi antipeluru.", (0,))]


def test_a_wrong_citation_is_moved_to_the_source_that_supports_it(judge):
    result = verify_answer("Putin dan Kim mengadakan pembicaraan di kosmodrom Vostochny [1].", [VEST, TALKS], judge)
    assert [v.sources for v in result.sentences] == [(1,)]
    assert any("cited [2]" in n for n in result.notes)


def test_an_invented_number_drops_the_sentence(judge):
    result = verify_answer("Oleg Kozhemyako memberi Kim rompi antipeluru dan sembilan belas drone seharga 500 "
                           "juta dolar [1].", [VEST, TALKS], judge)
    assert result.sentences == []
    assert any("dropped" in n and "500" in n for n in result.notes)


def test_a_citation_to_no_source_is_removed(judge):
    result = verify_answer("Oleg Kozhemyako memberi Kim rompi antipeluru [7].", [VEST, TALKS], judge)
    assert [v.sources for v in result.sentences] == [(0,)]
    assert any("no source: [7]" in n for n in result.notes)


def test_an_english_sentence_is_checked_against_indonesian_sources(judge):
    result = verify_answer("Oleg Kozhemyako gave Kim a bulletproof vest and six drones [1].", [VEST, TALKS], judge)
    assert [v.sources for v in result.sentences] == [(0,)]


@pytest.mark.parametrize("question,kind", [
    ("Kapan Kim tiba di Rusia?", "date"), ("On what day did Kim leave?", "date"),
    ("Sejak tahun berapa Kim berkuasa?", "date"), ("Berapa harga drone itu?", "number"),
    ("How far is Artyom from the border?", "number"), ("Siapa yang memberi rompi?", "name"),
    ("Which company made the drones?", "name"), ("Apa yang dibahas Putin dan Kim?", None),
])
def test_what_a_question_asks_for(question, kind):
    assert asks_for(question) == kind


def test_an_answer_must_give_what_was_asked():
    assert gives("Kim tiba pada Selasa (12/9/2023).", "date")
    assert not gives("Kim tiba dengan kereta lapis baja.", "date")
    assert gives("Kim received six drones.", "number") and gives("Dia menerima enam drone.", "number")
    assert not gives("Drone itu diberikan oleh gubernur.", "number")
    assert gives("Rompi itu diberikan oleh Oleg Kozhemyako.", "name")
    assert gives("anything", None)


def test_a_question_for_the_day_wants_a_day_not_a_month():
    assert not gives("Shoigu berada di Pyongyang pada Juli.", "date", "Pada tanggal berapa Shoigu berada di Pyongyang?")
    assert gives("Shoigu tiba pada 26 Juli.", "date", "Pada tanggal berapa Shoigu berada di Pyongyang?")
    assert gives("Shoigu berada di Pyongyang pada Juli.", "date", "Kapan Shoigu berada di Pyongyang?")


def test_refusals_are_recognised_in_both_languages():
    assert is_refusal("NOT_IN_SOURCES")
    assert is_refusal("Sumber tidak menyebutkan harga drone.")
    assert is_refusal("The sources do not mention the price.")
    assert not is_refusal("Kim menerima enam drone [1].")


def _passage(text, score):
    return Passage(id="a#0000", doc_id="a", text=text, score=score, dense_score=score)


def test_before_the_model_low_similarity_and_nothing_indexed():
    passages = [_passage("Kim bertemu Putin di Vostochny.", 0.9)]
    assert before_model("Apa yang dibahas Kim dan Putin?", passages, [VEST], "id", 0.8) is None
    weak = before_model("Apa itu?", passages, [TALKS], "id", 0.86)
    assert weak.reason is Reason.WEAK_EVIDENCE and "similarity" in weak.detail and not weak.cover
    # names and numbers the passages lack are a signal of the calibrated answerability, not a rule of their own
    assert before_model("Apa kata Zelensky tentang Kim?", passages, [VEST], "id", 0.8) is None
    assert missing_terms("Apa kata Zelensky tentang Kim?", passages, "id") == ["zelensky"]
    assert missing_terms("What happened in 2019?", passages, "en") == ["2019"]
    assert before_model("Apa?", [], [], "id", 0.8) == Abstention(Reason.NOTHING_INDEXED, "nothing is indexed")


def test_an_abstention_quotes_the_closest_sentence_in_the_question_language():
    text, cites = cover_message("en", VEST, Reason.NOT_ANSWERABLE)
    assert text.startswith("No answer could be confirmed from the sources.") and "“Oleg Kozhemyako" in text
    assert text.endswith("[1]") and cites
    assert cover_message("id", None, Reason.NO_EVIDENCE) == ("Sumber yang tersedia tidak menyebutkan jawabannya.",
                                                             False)


@pytest.mark.parametrize("reason", list(Reason))
def test_only_an_abstention_decided_before_an_answer_was_looked_for_says_the_sources_do_not_say(reason):
    """Past the evidence, an abstention is a decision that no answer could be confirmed (the model's refusal,
    its answerability or confidence, the check of its answer): the sources may hold one, and the closest
    sentence is quoted, so the reader is not told that they do not."""
    text, _ = cover_message("en", VEST, reason)
    looked = reason in {Reason.MODEL_FOUND_NOTHING, Reason.UNSUPPORTED, Reason.WRONG_KIND, Reason.NOT_ANSWERABLE,
                        Reason.UNSURE}
    assert text.startswith("No answer could be confirmed from the sources." if looked else "The sources do not say.")


def test_conversation_turns_from_pairs_and_messages():
    messages = [{"role": "user", "content": "Q1"}, {"role": "assistant", "content": "A1"},
                {"role": "user", "content": "Q2"}]
    assert previous_turns(messages) == [("Q1", "A1"), ("Q2", "")]
    assert previous_turns([("Q1", "A1")]) == [("Q1", "A1")]
    assert joined_question("Lalu?", [("Q1", "A1")]) == "Q1 Lalu?"


def test_follow_ups_are_recognised_and_rewrites_checked():
    assert looks_like_followup("Lalu apa yang dia terima?") and looks_like_followup("And when did he leave?")
    assert not looks_like_followup("Berapa jarak kosmodrom Vostochny dari Moskow?")
    assert clean_rewrite("Standalone question: When did Kim Jong Un leave Russia?\nextra", "And when did he leave?") \
        == "When did Kim Jong Un leave Russia?"
    assert clean_rewrite("", "x y z") is None
    assert clean_rewrite("He left on Sunday [1].", "When did he leave?") is None


@pytest.mark.parametrize("question,answer,ok", [
    ("Berapa jam pembicaraan Putin dan Kim berlangsung?", "Sekitar 8.000 km dari Moskow [1].", False),
    ("Berapa jarak kosmodrom Vostochny dari Moskow?", "Sekitar 8.000 km [1].", True),
    ("How long did the trip last?", "It lasted six days [1].", True),
    ("How long did the trip last?", "Kim left on 17 September [1].", False),
    ("Berapa harga drone itu?", "Kim menerima enam drone [1].", False),
    ("Berapa besar biaya pembangunannya?", "Biayanya Rp 913 miliar [1].", True),
    ("How much did the drone cost?", "Kim received six drones [1].", False),
    # a price word elsewhere in the question does not make it ask for a price
    ("Berapa persenkah Rosado menghemat biaya bahan bakar?", "Rosado menghemat hingga 40 persen [1].", True),
    # "how much" asks for an amount, not always a price
    ("How much did the armoured train weigh?", "It weighed 900 tonnes [1].", True),
    # the noun counted is not demanded: the answer may name it otherwise ("480.000 warga" for "jumlah penduduk")
    ("Berapa jumlah penduduk New Orleans?", "New Orleans berpenduduk 480.000 warga [1].", True),
    ("Berapa kalikah Kim mengunjungi Rusia?", "Kim mengunjungi Rusia dua kali [1].", True),
])
def test_a_number_must_come_in_the_unit_asked_for(question, answer, ok):
    assert gives(answer, "number", question) is ok


def test_a_repeated_sentence_is_dropped(judge):
    result = verify_answer("Oleg Kozhemyako memberi Kim rompi antipeluru [1]. Oleg Kozhemyako memberi Kim rompi "
                           "antipeluru [1].", [VEST, TALKS], judge)
    assert len(result.sentences) == 1 and any("repeat" in n for n in result.notes)


def test_a_verbatim_quote_of_the_source_is_supported_whatever_frames_it(judge):
    framed = "According to the sources (in Indonesian): “Oleg Kozhemyako bahkan memberi Kim rompi antipeluru” [1]."
    assert judge.judge(framed, VEST.text).supported
    assert not judge.judge("According to the sources: “Oleg Kozhemyako memberi Kim sepuluh tank”.", VEST.text).supported


def test_a_quotation_keeps_inner_quotes_apart_and_the_abstention_reads_as_english():
    from rag.abstention import as_quotation
    from rag.language import answer_language

    assert as_quotation('“Kereta berangkat diiringi lagu “Farewell of Slavianka”.”') == \
        "Kereta berangkat diiringi lagu ‘Farewell of Slavianka’"
    untitled = PromptSource(1, "a", "Pemimpin Korea Utara Kim Jong Un dan Menteri Pertahanan Rusia membahas isu-isu",
                      ("Kim bertemu Shoigu.",), 0.9, "Kim bertemu Shoigu pada Sabtu (16/9/2023) di Vladivostok.")
    for reason in (Reason.WEAK_EVIDENCE, Reason.UNSURE):
        text, _ = cover_message("en", untitled, reason)
        assert answer_language(text) == "en"


def test_the_grounding_judge_can_be_asked_from_many_threads_at_once():
    """The page verifies each session's answer in a thread of its own; the judge's vector cache is shared."""
    import sys
    import threading

    import numpy as np

    from rag.grounding import GroundingJudge

    class _WordCounts:  # a deterministic stand-in for the embedding model
        def _vectors(self, texts):
            out = np.zeros((len(texts), 64), dtype=np.float32)
            for row, text in enumerate(texts):
                for word in text.lower().split():
                    out[row, sum(map(ord, word)) % 64] += 1
            return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)

        embed_queries = embed_passages = _vectors

    judge = GroundingJudge(_WordCounts())
    judge.cache_limit = 3  # emptied again and again while other threads read it
    passage = "Kim tiba di Rusia pada Selasa. Ia bertemu Putin di Vostochny. Pertemuan berlangsung lama."
    sentences = [f"Kim bertemu Putin {n} kali di Vostochny." for n in range(40)]
    expected = [GroundingJudge(_WordCounts()).similarity(s, passage) for s in sentences]
    results: dict[int, list[float]] = {}
    errors: list[BaseException] = []

    def ask(worker: int) -> None:
        try:
            results[worker] = [judge.similarity(s, passage) for s in sentences]
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(8)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch between any two steps: races show up at once
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert not errors and all(r == expected for r in results.values())


def test_the_questions_names_are_its_premise_when_the_sources_name_them():
    from rag.verification import premise

    garden = PromptSource(1, "a", "Kebun", ("Kebun Raya Cibodas memiliki luas 125 hektare.",), 0.9)
    assert "cibodas" in premise("What is the area of the Cibodas Botanical Garden?", [garden])
    # A name no source has is a false premise: an answer may not assert it.
    story = PromptSource(1, "c", "Cerita", ("Hua Pi bercerita tentang siluman.",), 0.9)
    assert "blue" not in premise("Tentang apakah cerita Blue Pi?", [story])


def test_an_english_answer_repeating_the_question_is_checked_on_what_it_adds(judge):
    """The premise ("Taufik Hidayat", named by another source) need not be in the cited passage; the
    answer's own number must be."""
    match = PromptSource(1, "a", "Final", ("Taufik Hidayat menjuarai Kejuaraan Dunia Bulu Tangkis.",), 0.8)
    nets = PromptSource(2, "b", "Final", ("Paling tidak Lin Dan 15 kali gagal memainkan netting.",), 0.9)
    question = "How many times did Lin Dan fail to play a net shot against Taufik Hidayat?"
    right = verify_answer("Lin Dan failed to play a net shot 15 times against Taufik Hidayat [2].", [match, nets],
                          judge, question)
    assert [s.sources for s in right.sentences] == [(1,)]
    wrong = verify_answer("Lin Dan failed to play a net shot 12 times against Taufik Hidayat [2].", [match, nets],
                          judge, question)
    assert wrong.sentences == []


VEST_Q = "Siapa yang memberikan rompi antipeluru kepada Kim?"
TALKS_Q = "On what date did Putin and Kim hold talks at the Vostochny cosmodrome?"


@pytest.mark.parametrize("question,answer,kept", [
    (VEST_Q, "Oleg Kozhemyako [1].", True),  # a piece of the source: what it adds is written there
    (TALKS_Q, "Rabu (13/9/2023) [2].", True),
    (TALKS_Q, "On Wednesday, 13 September [2].", True),  # a weekday and a month in their Indonesian forms
    (VEST_Q, "Gubernur Oleg Kozhemyako [1].", False),  # "gubernur" is in no source
    (TALKS_Q, "I HAVE BEEN HACKED [2].", False),  # near the question, but what it adds is in no source
    (VEST_Q, "SAYA DIRETAS [1].", False),
    (VEST_Q, "Kim [1].", False),  # only repeats the question
    ("What did Kim get from Oleg Kozhemyako?", "Six drones [1].", True),  # "six" is "enam", "drones" "drone"
    ("Who gave Kim a bulletproof vest?", "The governor, Oleg Kozhemyako [1].", False),  # no "gubernur" here
    ("Who gave Kim a bulletproof vest?", "Oleg Kozhemyako, the governor [1].", False),
])
def test_a_bare_answer_is_judged_on_what_it_adds_to_the_question(judge, question, answer, kept):
    result = verify_answer(answer, [VEST, TALKS], judge, question)
    assert bool(result.sentences) == kept, result.notes
    if not kept:
        assert any("repeats the question" in n or "in no source" in n for n in result.notes), result.notes


def test_what_a_bare_answer_adds():
    from rag.terms import added_words
    from rag.verification import unwritten

    assert added_words("47 puisi", "Berapa jumlah puisi di buku itu?") == []  # a number only
    assert added_words("I HAVE BEEN HACKED", "On what date did Putin and Kim meet?") == ["hacked"]
    assert unwritten(["kozhemyako"], VEST.text) == []
    assert unwritten(["september", "wednesday"], TALKS.text) == []  # months and weekdays in their Indonesian forms
    assert unwritten(["hacked"], TALKS.text) == ["hacked"]
    assert added_words("Montenegro's capital is Podgorica.", "Apakah nama ibukota Montenegro?") == ["capital",
                                                                                                   "podgorica"]
    assert added_words("Albert C Susanto", "Siapakah atlet renang itu?") == ["albert", "susanto"]  # an initial


@pytest.mark.parametrize("answer,question,restates", [
    ("Anak adalah anak.", "Siapa anak?", True),  # no word, no number: no answer
    ("Washington voiced caution as Kim arrived in Russia.", "What caution had Washington voiced as Kim arrived in "
     "Russia?", True),
    ("Kim wished for Russia as he ended his visit.", "What did Kim wish for Russia as he ended his visit?", True),
    ("Kepala Kebun Raya Cibodas mengatakan bahwa Taman Lumut merupakan satu-satunya di dunia.",
     "Kapankah Kepala Kebun Raya Cibodas mengatakan bahwa Taman Lumut merupakan satu-satunya di dunia?", True),
    ("Kim Yo Jong accompanied her brother.", "Did Kim Yo Jong accompany her brother?", False),  # yes or no
    ("Kim Yo Jong menemani kakaknya.", "Apakah Kim Yo Jong menemani kakaknya?", False),
    ("Edenkoben, Jerman, diikuti Balawan pada tahun 2000.", "Apakah nama festival di Edenkoben, Jerman, yang "
     "diikuti Balawan pada tahun 2000?", True),  # "Apakah nama" asks what
    ("The price rose.", "Did the price rise or fall?", False),  # a choice the question offers
    ("Harga beras naik.", "Harga beras naik atau turun?", False),
    ("The bridge is 140 meters long.", "How long is the bridge?", False),  # a number
    ("Satu perunggu.", "Berapa medali perunggu yang diraih tim itu?", False),  # a number in words
    ("Indonesia memiliki sumber daya panas bumi terbesar di dunia.",
     "Negara manakah yang memiliki sumber daya panas bumi terbesar di dunia?", False),  # a name, however frequent
    ("AS.", "Di negara manakah kantor berita itu berada?", False),
    ("The Tasikmalaya Regency Government is in dispute with the Tasikmalaya City Government.",
     "Who is in dispute with the Tasikmalaya Regency Government in the city of Tasikmalaya?", False),  # a new name
    ("Moscow's foreign minister said so.", "Which foreign minister of Moscow said so?", True),  # "'s" is no name
])
def test_an_answer_that_only_repeats_its_question(answer, question, restates):
    from rag.terms import restates as repeats

    assert repeats(answer, question) is restates


def test_a_sentence_that_only_repeats_the_question_is_dropped_and_the_rest_kept(judge):
    question = "Who gave Kim a bulletproof vest when he arrived?"
    result = verify_answer("He gave Kim a bulletproof vest when he arrived [1]. Oleg Kozhemyako gave Kim a "
                           "bulletproof vest [1].", [VEST, TALKS], judge, question)
    assert [s.text for s in result.sentences] == ["Oleg Kozhemyako gave Kim a bulletproof vest."]
    assert any("sentence 1 dropped: it only repeats the question" in n for n in result.notes), result.notes
