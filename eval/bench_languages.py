"""How well `rag.language.other_language` tells questions in other languages from Indonesian and English.

Prints how many questions of each set it flags: every Indonesian and English question of the in-repo eval
sets and the eval runs in the tree (none must be flagged), keyword queries (none), and questions in other
Latin-script languages, a first set that chose the threshold and a second written before it was fixed::

    python -m eval.bench_languages
"""

from __future__ import annotations

import json
from pathlib import Path

from rag.language import other_language

EVAL = Path(__file__).resolve().parent
#: Questions in other Latin-script languages that chose :data:`rag.language.OTHER_LANGUAGE_BELOW`.
FIRST = [
    "Qui a donné un gilet pare-balles à Kim Jong Un ?", "Quand Poutine et Kim se sont-ils rencontrés ?",
    "Combien de drones le gouverneur a-t-il offerts ?", "Où se trouve le cosmodrome de Vostochny ?",
    "¿Quién le regaló un chaleco antibalas a Kim Jong Un?", "¿Cuándo se reunieron Putin y Kim?",
    "¿Cuántos drones recibió el líder norcoreano?", "Wer hat Kim Jong Un eine kugelsichere Weste geschenkt?",
    "Wann haben sich Putin und Kim getroffen?", "Wie viele Drohnen bekam Kim vom Gouverneur?",
    "Quem deu um colete à prova de balas a Kim Jong Un?", "Quando é que Putin e Kim se encontraram?",
    "Chi ha regalato un giubbotto antiproiettile a Kim Jong Un?", "Quando si sono incontrati Putin e Kim?",
    "Wie gaf Kim Jong Un een kogelvrij vest?", "Wanneer ontmoetten Poetin en Kim elkaar?",
    "Ai đã tặng Kim Jong Un áo chống đạn?", "Khi nào Putin và Kim gặp nhau?",
    "Kim Jong Un'a kurşun geçirmez yeleği kim verdi?", "Sino ang nagbigay ng bulletproof vest kay Kim Jong Un?",
    "Putin ve Kim ne zaman görüştü?", "Combien coûte le riz au marché de Cipinang ?",
]
#: Written before the threshold was fixed (the function-word guard was changed after reading it: "do", "is").
SECOND = [
    "Quel est le prix du riz à Jakarta cette semaine ?", "Pourquoi le président a-t-il visité la Russie ?",
    "¿Por qué subió el precio del arroz en Yakarta?", "¿Dónde ocurrió la inundación de la semana pasada?",
    "Warum ist der Reispreis in Jakarta gestiegen?", "Wo fand das Treffen der beiden Präsidenten statt?",
    "Por que o preço do arroz subiu em Jacarta?", "Onde aconteceu a inundação na semana passada?",
    "Perché il prezzo del riso è aumentato a Giacarta?", "Dove si è svolto l'incontro tra i due leader?",
    "Waarom is de rijstprijs in Jakarta gestegen?", "Tại sao giá gạo ở Jakarta tăng?",
    "Neden Cakarta'da pirinç fiyatı arttı?", "Bakit tumaas ang presyo ng bigas sa Jakarta?",
]
KEYWORDS = [
    "harga beras Cipinang", "korban gempa Cianjur", "rompi antipeluru Kim", "Kim Jong Un Rusia",
    "banjir rob Muara Angke", "Putin Kim Vostochny", "kereta cepat penumpang", "pemilu 2024 hasil hitung cepat",
    "Jokowi resmikan bendungan", "inflasi Indonesia September", "Presiden Prabowo kunjungi Papua",
    "timnas Indonesia lolos Piala Asia", "harga BBM naik lagi", "gubernur Primorye hadiah drone",
    "Bagaimana nasib warga Rempang", "Korut Rusia kerja sama militer", "skor Persija Persib",
    "vaksin polio anak sekolah", "Mengapa harga cabai melonjak", "berita terbaru Kim Jong Un",
]


def ours() -> list[str]:
    """Every distinct Indonesian and English question of eval/data and eval/runs."""
    found: dict[str, None] = {}
    for path in sorted(EVAL.glob("data/*.jsonl")) + sorted(EVAL.glob("runs/*/*.jsonl")):
        for line in path.open(encoding="utf-8"):
            try:
                row = json.loads(line)
            except ValueError:
                continue
            for key in ("question", "question_en"):
                if isinstance(row, dict) and isinstance(row.get(key), str):
                    found.setdefault(row[key], None)
    return list(found)


def main() -> None:
    for name, questions, wanted in (("Indonesian and English eval questions", ours(), False),
                                    ("keyword queries", KEYWORDS, False),
                                    ("other languages, first set", FIRST, True),
                                    ("other languages, second set", SECOND, True)):
        flagged = [q for q in questions if other_language(q)]
        print(f"{name}: {len(flagged)}/{len(questions)} flagged")
        for q in (flagged if not wanted else [q for q in questions if q not in flagged]):
            print(f"  {'false hit' if not wanted else 'missed'}: {q}")


if __name__ == "__main__":
    main()
