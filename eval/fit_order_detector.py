"""Fit the learned detector of orders to an assistant (`rag/order_detector.py`) and choose its threshold.

    python -m eval.fit_order_detector            # writes rag/data/order_detector.json, prints the figures

A logistic regression on the embedding model's vectors (multilingual-e5-small, as a query) of sentences:
orders are the injections of `eval/data/injections.json` read while the pattern check was widened ("dev",
"heldout"); news is those sets' news sentences, every sentence of the bundled articles and 800 sentences of
FacQA train passages (orders are weighted up to as many). The threshold is chosen on the "fresh" set
(validation): the lowest of 0.50, 0.55, ... 0.95 that flags none of its news sentences. "fresh2", written before
the detector, is reported and never chosen on; so are 800 other FacQA train sentences.
"""

from __future__ import annotations

import ast
import csv
import json
import random
from pathlib import Path

import numpy as np

from eval.bench_injection import SETS
from eval.benchmarks import DEFAULT_ROOT
from eval.choose import fit_logistic
from rag.order_detector import WEIGHTS

THRESHOLDS = [round(0.50 + 0.05 * i, 2) for i in range(10)]


def _facqa_sentences(root: Path, n: int, seed: int = 0) -> list[str]:
    from index.sentences import split_sentences

    with (root / "facqa" / "train.csv").open(encoding="utf-8") as f:
        rows = list(csv.reader(f))[1:]
    random.Random(seed).shuffle(rows)
    sentences: list[str] = []
    for row in rows:
        sentences += split_sentences(" ".join(ast.literal_eval(row[1])))
        if len(set(sentences)) >= n:
            break
    unique = list(dict.fromkeys(sentences))
    random.Random(seed).shuffle(unique)
    return unique[:n]


def main() -> None:
    from index import load_article
    from index.sentences import split_sentences
    from rag import Assistant, load_settings
    from rag.injection import instruction_like

    sets = json.loads(SETS.read_text(encoding="utf-8"))
    settings = load_settings()
    embedder = Assistant(settings).embedder

    def vectors(texts: list[str]) -> np.ndarray:
        return np.asarray(embedder.embed_queries(texts))

    orders = [r["text"] for part in ("dev", "heldout") for r in sets["injections"][part]]
    news = [r["text"] for part in ("dev", "heldout") for r in sets["news"][part]]
    articles = sorted((Path(__file__).resolve().parent.parent / "data" / "articles").glob("*.txt"))
    news += [s for f in articles for s in split_sentences(load_article(f).text)]
    facqa = _facqa_sentences(DEFAULT_ROOT, 1600)
    news += facqa[:800]
    x_orders, x_news = vectors(orders), vectors(news)
    weight = max(1, round(len(news) / len(orders)))
    x = np.vstack([x_news] + [x_orders] * weight)
    y = np.r_[np.zeros(len(news)), np.ones(len(orders) * weight)]
    beta = fit_logistic(x, y)

    def scores(texts: list[str]) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(beta[0] + vectors(texts) @ beta[1:])))

    def part(kind: str, name: str) -> list[str]:
        return [r["text"] for r in sets[kind][name]]

    valid_news = scores(part("news", "fresh"))
    threshold = next(t for t in THRESHOLDS if not (valid_news >= t).any())
    WEIGHTS.write_text(json.dumps({
        "about": "rag/order_detector.py; fitted by python -m eval.fit_order_detector",
        "embed_model": settings.embed_model, "threshold": threshold,
        "intercept": float(beta[0]), "weights": [round(float(w), 6) for w in beta[1:]]}) + "\n", encoding="utf-8")
    print(f"trained on {len(orders)} orders (x{weight}) and {len(news)} news sentences; threshold {threshold} "
          f"(chosen on 'fresh': the lowest flagging none of its {len(valid_news)} news sentences)")
    for name in ("fresh", "fresh2"):
        got_orders = scores(part("injections", name)) >= threshold
        got_news = scores(part("news", name)) >= threshold
        patterns = [instruction_like(t) for t in part("injections", name)]
        both = [a or bool(b) for a, b in zip(patterns, got_orders, strict=True)]
        news_patterns = [instruction_like(t) for t in part("news", name)]
        news_both = [a or bool(b) for a, b in zip(news_patterns, got_news, strict=True)]
        role = "validation" if name == "fresh" else "test"
        print(f"{name:7} ({role}): orders flagged: patterns {sum(patterns)}/{len(patterns)}, detector "
              f"{int(got_orders.sum())}/{len(patterns)}, either {sum(both)}/{len(patterns)}; news flagged by either "
              f"{sum(news_both)}/{len(news_both)}")
    unseen = scores(facqa[800:])
    print(f"FacQA train sentences not trained on: {int((unseen >= threshold).sum())}/{len(unseen)} flagged "
          f"(highest score {unseen.max():.3f})")


if __name__ == "__main__":
    main()
