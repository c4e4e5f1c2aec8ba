"""The concurrency benchmark (eval/bench_load.py): its figures on made-up timings, and four users at once
on the launched page (tiny model: that every answer comes back, never its wording or its speed)."""

from __future__ import annotations

from eval.bench_load import AnswerTiming, answer_state, format_report, pick_questions, places_ahead, run_load, summarize


def _timing(user, submitted, first, writing, done, outcome="answered"):
    return AnswerTiming(user=user, question=f"q{user}", lang="id", submitted=submitted, first_words=first,
                        writing_from=writing[0] if writing else None, writing_to=writing[1] if writing else None,
                        done=done, outcome=outcome)


def test_summary_counts_queued_answers_and_how_many_ran_at_once():
    timings = [
        _timing(1, 0.0, 2.0, (2.0, 5.0), 6.0),  # written first
        _timing(2, 0.0, 6.0, (6.0, 9.0), 10.0),  # waited while 1 was written
        _timing(3, 0.5, 1.0, None, 1.0, "abstained"),  # abstained by code, no model: did not wait
        _timing(1, 6.0, None, None, 20.0, "error"),
    ]
    timings[3].error = "no answer after 14 s"
    summary = summarize(timings)
    assert summary["most_in_flight"] == 3 and summary["most_writing"] == 1
    assert summary["queued"] == 1  # user 2's answer
    everything = summary["all"]
    assert (everything["asked"], everything["came_back"], everything["answered"], everything["abstained"],
            everything["errors"]) == (4, 3, 2, 1, 1)
    assert everything["first_words_p50"] == 2.0 and everything["total_p95"] == 10.0
    assert summary["per_user"][1]["errors"] == 1 and summary["per_user"][2]["first_words_p50"] == 6.0
    report = format_report(timings, summary, {"users": 3, "questions": 1, "llm": "m", "threads": 2, "cpus": 2,
                                              "url": "http://127.0.0.1:1/"})
    assert "1 of 4 answers waited" in report and "3 of 4 came back, 1 errors" in report
    assert "[no answer after 14 s]" in report


def test_questions_alternate_languages_and_are_not_repeated():
    plan = pick_questions(4, 2)
    assert [len(p) for p in plan] == [2, 2, 2, 2]
    assert [lang for p in plan for _, lang in p] == ["id", "en", "en", "id", "id", "en", "en", "id"]
    questions = [q for p in plan for q, _ in p]
    assert len(set(questions)) == len(questions)


def test_answer_state_reads_the_last_chat_message():
    pending = ([{"role": "user", "content": "q"},
                {"role": "assistant", "content": '<div class="tb-answer tb-pending">'}], "", "")
    assert answer_state(pending) == "tb-pending"
    assert answer_state(([], "", "Type a question first.")) is None


def test_places_ahead_reads_the_waiting_message():
    from ui.render import reading_html

    waiting = ([{"role": "user", "content": "q"},
                {"role": "assistant", "content": reading_html("en", 3, ahead=2)}], "", "")
    assert places_ahead(waiting) == 2
    assert places_ahead(([{"role": "assistant", "content": reading_html("en", 3)}], "", "")) == 0


def test_four_users_at_once_all_get_an_answer(ui_url):
    timings = run_load(ui_url, users=4, per_user=1, timeout=300)
    summary = summarize(timings)
    assert len(timings) == 4 and {t.user for t in timings} == {1, 2, 3, 4}
    assert summary["all"]["errors"] == 0, [t.error for t in timings]
    assert summary["all"]["came_back"] == 4
    assert summary["most_in_flight"] >= 2  # they were asked together, not one after another
    assert all(t.first_words_s is not None and t.first_words_s <= t.total_s for t in timings)
