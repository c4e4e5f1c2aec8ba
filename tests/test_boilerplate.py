"""Boilerplate removal measured on the seeds, news pages built from them, and noisy text (eval/boilerplate.py)."""

import pytest

from eval.boilerplate import SEED_BOILERPLATE, SEEDS, build_cases, measure, seed_gold


@pytest.fixture(scope="module")
def measured():
    results, table = measure()
    for name, row in table.items():  # shown with -s, and on failure
        print(name, {k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items()})
    return results, table


def test_every_kind_of_case_is_built():
    groups = {c.name.split("/")[0] for c in build_cases()}
    assert groups == {"seed", "html-dev-portal", "html-dev-koran", "html-heldout-majalah", "text-dev", "text-heldout"}


def test_seed_labels_cover_every_line():
    for path in sorted(SEEDS.glob("*.txt")):
        title, paragraphs, junk = seed_gold(path)
        assert len(junk) >= len(set(SEED_BOILERPLATE[path.stem])), path.stem  # every label was found in its seed
        assert paragraphs and title


@pytest.mark.parametrize("group", ["seed", "html-dev-portal", "html-dev-koran", "html-heldout-majalah", "text-dev",
                                   "text-heldout"])
def test_article_text_is_kept_and_boilerplate_dropped(measured, group):
    row = measured[1][group]
    assert row["para_recall"] >= 0.98 and row["token_recall"] >= 0.98
    assert row["token_precision"] >= 0.97 and row["boilerplate_removed"] >= 0.95


def test_page_metadata(measured):
    for group in ("html-dev-portal", "html-dev-koran", "html-heldout-majalah"):
        row = measured[1][group]
        assert row["title_ok"] == 1.0 and row["date_ok"] == 1.0 and row["publisher_ok"] >= 0.8


def test_nothing_leaks_from_the_pages(measured):
    leaks = {r.name: r.leaked for r in measured[0] if r.leaked}
    assert not leaks
