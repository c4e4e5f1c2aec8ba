"""The local model (llama.cpp, the tiny model): the state it keeps of the fixed prompt prefix, and what it
records of how sure it was of each token."""

from __future__ import annotations

import pytest

from rag.prompting import build_messages, question_translation_messages


@pytest.fixture(scope="module")
def tiny_llm(models_dir):
    from rag.llm import LocalLlama
    from rag.model_files import resolve_gguf

    return LocalLlama(resolve_gguf("smollm2-135m", models_dir, progress=False), name="tiny", context_window=2048,
                      threads=2)


def _reply(llm, messages) -> str:
    return "".join(llm.stream(messages, max_tokens=12, temperature=0.0))


def test_a_prompt_after_another_starts_from_the_warmed_prefix_and_writes_the_same(tiny_llm, monkeypatch):
    from rag.evidence import PromptSource

    source = PromptSource(number=1, doc_id="a", title="A", sentences=("Kim tiba di Vladivostok pada Selasa.",),
                          score=0.9)
    answer = build_messages("Kapan Kim tiba?", [source], "id", demonstrations=True)
    tiny_llm.warm(build_messages("?", [], "id", demonstrations=True))
    loads: list[int] = []
    original = tiny_llm._llama.load_state
    monkeypatch.setattr(tiny_llm._llama, "load_state", lambda state: (loads.append(state.n_tokens), original(state)))
    straight = _reply(tiny_llm, answer)  # the KV cache still holds the prefix: nothing restored
    assert loads == []

    _reply(tiny_llm, question_translation_messages("When did Kim arrive?", "id"))  # another prompt in between
    assert loads == []  # it does not start with the prefix
    after_another = _reply(tiny_llm, answer)
    assert len(loads) == 1 and loads[0] > 200  # the system prompt and the four demonstrations, restored
    assert after_another == straight
    assert _reply(tiny_llm, answer) == straight  # again: restored again, not read on from the last prompt
    assert len(loads) == 2


def test_an_answer_records_the_probability_of_each_token_it_wrote(tiny_llm):
    messages = build_messages("Kapan Kim tiba?", [], "id")
    generation = tiny_llm.stream(messages, max_tokens=8, temperature=0.0, opening="NOT_IN_SOURCES")
    pieces = list(generation)
    stats = generation.stats
    assert stats.pieces == pieces and stats.completion_tokens == len(pieces) > 0
    # one probability a step: each written token's, and the step that ended the reply (if it did)
    assert len(pieces) <= len(stats.token_probabilities) <= len(pieces) + 1
    assert all(0.0 < p <= 1.0 for p in stats.token_probabilities)
    plain = tiny_llm.stream(messages, max_tokens=8, temperature=0.0)  # no opening asked: nothing recorded
    list(plain)
    assert plain.stats.token_probabilities == [] and plain.stats.pieces


def test_prompt_lookup_decoding_reads_a_prompt_longer_than_one_batch(models_dir):
    """llama-cpp-python sized its logits by n_batch (512) under a draft model: the demonstrations' prompt
    (over 512 tokens) overflowed it ("could not broadcast input array")."""
    from rag.llm import LocalLlama
    from rag.model_files import resolve_gguf

    llm = LocalLlama(resolve_gguf("smollm2-135m", models_dir, progress=False), name="tiny", context_window=2048,
                     threads=2, prompt_lookup=4)
    messages = build_messages("Kapan Kim tiba?", [], "id", demonstrations=True)
    assert llm.count_tokens("".join(m["content"] for m in messages)) > 512
    llm.warm(messages)
    assert _reply(llm, messages)


def _tiny(models_dir, state_dir):
    from rag.llm import LocalLlama
    from rag.model_files import resolve_gguf

    return LocalLlama(resolve_gguf("smollm2-135m", models_dir, progress=False), name="tiny", context_window=2048,
                      threads=2, state_dir=state_dir)


def _answer_messages():
    from rag.evidence import PromptSource

    source = PromptSource(number=1, doc_id="a", title="A", sentences=("Kim tiba di Vladivostok pada Selasa.",),
                          score=0.9)
    return build_messages("Kapan Kim tiba?", [source], "id", demonstrations=True)


def _answered(llm, messages):
    generation = llm.stream(messages, max_tokens=12, temperature=0.0, opening="NOT_IN_SOURCES")
    return "".join(generation), generation.stats


def test_the_prefix_state_is_kept_on_disk_for_the_next_process(models_dir, tmp_path):
    messages = _answer_messages()
    first = _tiny(models_dir, tmp_path / "states")
    cold_reply, cold = _answered(first, messages)  # no state anywhere: the prefix is read, then kept
    saved = list((tmp_path / "states").glob("prefix-*.npz"))
    assert len(saved) == 1

    second = _tiny(models_dir, tmp_path / "states")  # a new process, as a one-shot `tanya ask` is
    loads: list[int] = []
    original = second._llama.load_state
    second._llama.load_state = lambda state: (loads.append(state.n_tokens), original(state))
    warm_reply, warm = _answered(second, messages)
    assert len(loads) == 1 and loads[0] > 200
    assert warm_reply == cold_reply

    saved[0].write_bytes(b"not a state")  # a damaged file: read the prefix again, and no error
    third = _tiny(models_dir, tmp_path / "states")
    assert _answered(third, messages)[0] == cold_reply
    assert list((tmp_path / "states").glob("prefix-*.npz"))  # saved anew


def test_warm_loads_a_saved_prefix_instead_of_reading_it(models_dir, tmp_path):
    warm_messages = build_messages("?", [], "id", demonstrations=True)
    _tiny(models_dir, tmp_path / "states").warm(warm_messages)
    later = _tiny(models_dir, tmp_path / "states")
    reads: list[int] = []
    later._read = lambda *args, **kwargs: reads.append(1) or iter(())  # reading would go through here
    later.warm(warm_messages)
    assert reads == [] and later._prefix_messages == warm_messages[:-1]


def test_a_saved_prefix_is_put_into_llama_cpp_at_warm_up_not_at_the_first_question(models_dir, tmp_path):
    """Its first load into llama.cpp is the slow one (~0.8 s with the default model): at start, then the first
    question reads on from it without restoring it again; a state llama.cpp refuses is read afresh instead."""
    warm_messages = build_messages("?", [], "id", demonstrations=True)
    _tiny(models_dir, tmp_path / "states").warm(warm_messages)
    later = _tiny(models_dir, tmp_path / "states")
    loads: list[int] = []
    original = later._llama.load_state
    later._llama.load_state = lambda state: (loads.append(state.n_tokens), original(state))
    later.warm(warm_messages)
    assert len(loads) == 1 and loads[0] > 200
    reply, _ = _answered(later, _answer_messages())
    assert len(loads) == 1 and reply  # the first question: nothing restored again

    refusing = _tiny(models_dir, tmp_path / "states")

    def refuse(state):
        raise RuntimeError("Failed to set llama state data")

    refusing._llama.load_state = refuse
    refusing.warm(warm_messages)  # read afresh, no error; the refused file forgotten, the new state saved
    assert refusing._prefix_messages == warm_messages[:-1] and refusing._prefix_state is not None
    assert _answered(refusing, _answer_messages())[0] == reply


def test_only_the_last_used_saved_states_stay(tmp_path):
    """A changed prompt or model leaves its old ~30 MB state behind: saving a new one deletes all but the
    most recently used (loading one counts as using it)."""
    import os
    from types import SimpleNamespace

    import numpy as np

    from rag.prompt_states import PrefixStates

    model = tmp_path / "model.gguf"
    model.write_bytes(b"gguf")
    states = PrefixStates(tmp_path / "states", model, 2048)
    state = SimpleNamespace(input_ids=np.arange(3), scores=np.zeros((3, 2), dtype=np.float32), n_tokens=3, seed=1,
                            llama_state=b"\x00\x01")
    prefixes = [[{"role": "system", "content": f"prompt {n}"}] for n in range(5)]
    for age, prefix in enumerate(prefixes[:4]):
        states.save(prefix, state)
        os.utime(states.path(prefix), (1000 + age, 1000 + age))  # saved one after the other, long ago
    (tmp_path / "states" / "abandoned.tmp").write_bytes(b"half")
    os.utime(tmp_path / "states" / "abandoned.tmp", (1000, 1000))
    assert states.load(prefixes[0]) is not None  # the oldest, used again now
    states.prune(keep=3)
    states.save(prefixes[4], state)  # prunes to the default too
    left = {p.name for p in (tmp_path / "states").iterdir()}
    assert left == {states.path(p).name for p in (prefixes[0], prefixes[2], prefixes[3], prefixes[4])}
    states.prune(keep=2)
    assert {p.name for p in (tmp_path / "states").iterdir()} == {states.path(prefixes[0]).name,
                                                                  states.path(prefixes[4]).name}
