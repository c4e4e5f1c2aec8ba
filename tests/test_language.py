import pytest

from rag.language import detect_language


@pytest.mark.parametrize("question", [
    "Siapa yang memberikan rompi antipeluru kepada Kim?", "Kapan Kim pulang?", "Berapa drone?",
    "Lalu apa yang dia terima?", "Putin dan Kim bertemu di mana?", "Apa itu DPRK?",
])
def test_indonesian(question):
    assert detect_language(question) == "id"


@pytest.mark.parametrize("question", [
    "Who gave Kim a bulletproof vest?", "When did Kim leave Artyom?", "How many drones did Kim get?",
    "And when did he leave?", "What is KCNA?", "Where did Putin and Kim meet?",
])
def test_english(question):
    assert detect_language(question) == "en"
