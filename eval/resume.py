"""Per-question result files that survive an interrupted run.

Long runs (a benchmark's hundreds of questions, the vanilla baseline) append and flush
one JSON line per question. Run again with the same ``--out``, they read back what is
done and ask only the rest, so a killed or stopped run loses at most one question.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from rag.errors import TanyaError

_Item = TypeVar("_Item")


class RunFolderError(TanyaError, ValueError):
    """A run folder holds results this run cannot continue; the message says what to do."""


def write_rows(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def done_rows(path: Path, key: str, needs: str) -> dict[str, dict]:
    """Rows an earlier run already wrote to ``path``, by ``key``; they are not asked again.

    The line a killed run was cutting short, and rows without the field this run needs
    (a retrieval-only row when answers are wanted), are dropped from the file and asked again.
    """
    if not path.is_file():
        return {}
    rows, dropped = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            dropped = True
            continue
        if not isinstance(row, dict) or key not in row:
            raise RunFolderError(f"{path} holds rows of another kind of run (no {key!r}); "
                                 "pass another --out, or move that folder away.")
        if needs in row:
            rows.append(row)
        else:
            dropped = True
    if dropped:
        write_rows(path, rows)
    return {str(row[key]): row for row in rows}


def resumed_rows(path: Path, items: Sequence[_Item], key_of: Callable[[_Item], str],
                 make_row: Callable[[_Item], dict], *, key: str, needs: str, desc: str, progress: bool = True,
                 check: Callable[[dict[str, dict]], None] | None = None) -> list[dict]:
    """One row per item, in order: a row an earlier run wrote to ``path`` (see :func:`done_rows`) is
    reused, every other one made by ``make_row`` and appended and flushed at once.

    ``key_of(item)`` is the row's ``key``; ``check`` may reject the rows already done
    (raise :class:`RunFolderError`) before anything is asked.
    """
    from tqdm import tqdm

    path.parent.mkdir(parents=True, exist_ok=True)
    done = done_rows(path, key, needs)
    if check is not None:
        check(done)
    if done and progress:
        reused = sum(1 for item in items if key_of(item) in done)
        print(f"{path}: continuing, {reused} of {len(items)} questions already done.")
    rows = []
    with path.open("a", encoding="utf-8") as fh:
        for item in tqdm(items, desc=desc, unit="question", disable=not progress):
            row = done.get(key_of(item))
            if row is None:
                row = make_row(item)
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                fh.flush()
            rows.append(row)
    return rows
