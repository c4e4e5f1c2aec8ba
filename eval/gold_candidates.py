"""Sentences that may be gold evidence the eval set is missing, for a person to review.

A retrieved chunk counts as a hit only when it holds a piece of an item's gold
evidence, so a second report of the same fact left out of the evidence makes
retrieval look worse than it is. This lists, for every answerable item, the article
sentences that contain all its gold facts (any accepted form) but overlap none of its
evidence. Most are not evidence (the fact appears, the question is not answered);
read each and add the ones that answer the question to eval/data/questions.jsonl.

    python -m eval.gold_candidates [--partial] [--articles data/articles]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from eval.dataset import EvalItem, load_questions
from eval.metrics import contains_evidence, facts_present
from index.articles import find_article_files, load_article
from index.sentences import split_sentences


def candidates(items: list[EvalItem], articles: dict[str, str], *,
               partial: bool = False) -> list[tuple[EvalItem, str, str]]:
    """(item, doc_id, sentence) for sentences holding every gold fact of an item but none of its evidence.

    ``partial``: for items with several facts (questions in several parts), sentences
    holding some of the facts but not all, which may be evidence for one part.
    """
    sentences = [(doc_id, s) for doc_id, text in articles.items() for s in split_sentences(text)]
    found = []
    for item in items:
        if not item.answerable:
            continue
        evidence = [e.text for e in item.evidence]
        for doc_id, sentence in sentences:
            share = facts_present(sentence, item.gold_facts)  # as answers are scored
            wanted = 0 < share < 1 if partial else share == 1
            if wanted and not contains_evidence(sentence, evidence):  # as retrieval is scored
                found.append((item, doc_id, sentence))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.gold_candidates", description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=Path, default=Path("data/articles"))
    parser.add_argument("--partial", action="store_true",
                        help="for questions in several parts: sentences holding some of the facts")
    args = parser.parse_args(argv)
    articles = {a.doc_id: a.text for a in map(load_article, find_article_files([args.articles]))}
    found = candidates(load_questions(), articles, partial=args.partial)
    for item, doc_id, sentence in found:
        print(f"{item.id}  {item.question}\n    gold facts: {item.gold_facts}\n    {doc_id}: {sentence}\n")
    print(f"{len(found)} candidate sentences")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
