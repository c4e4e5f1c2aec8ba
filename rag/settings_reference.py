"""docs/settings.md, written from the settings' own fields (names, defaults, descriptions).

    python -m rag.settings_reference          # print it
    python -m rag.settings_reference --write  # write docs/settings.md (tests/test_docs.py checks it is current)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from rag.settings import NOT_SETTINGS, REPO_ROOT, Settings

DOC = REPO_ROOT / "docs" / "settings.md"

HEAD = """# Settings

<!-- Written by `python -m rag.settings_reference --write` from rag/settings.py: edit the fields there. -->

One typed object, `rag.Settings`. Each field `x` is read from the environment variable `TANYA_X`, else
from a TOML config file (`TANYA_CONFIG`, default `$TANYA_HOME/config.toml`; keys are the field names),
else its default. Keyword arguments to `Assistant(...)` and `load_settings(...)` override all. An unknown
`TANYA_*` variable is refused with the closest known name.

| variable | default | meaning |
| --- | --- | --- |
"""


def shown_default(name: str) -> str:
    """A field's default as the table shows it (Markdown): the same on every machine."""
    field = Settings.model_fields[name]
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    if "shown_default" in extra:
        return str(extra["shown_default"])
    value: Any = field.default
    if value is None:
        return "unset"
    if isinstance(value, Path):
        try:
            return f"`{value.relative_to(REPO_ROOT)}` in this repository"
        except ValueError:
            return f"`{value}`"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, (list, dict)):
        return f"`{json.dumps(value)}`"
    return f"`{value}`"


def reference() -> str:
    """The whole of docs/settings.md."""
    rows = [f"| `TANYA_{name.upper()}` | {shown_default(name)} | {' '.join((field.description or '').split())} |"
            for name, field in Settings.model_fields.items()]
    others = ", ".join(f"`{n}`" for n in sorted(NOT_SETTINGS))
    tail = (f"\nOther variables read, which are not settings: {others} (the config file, the prebuilt-wheel "
            "folder for set-up, and the models folder of the tests).\n")
    return HEAD + "\n".join(rows) + "\n" + tail


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--write"]:
        DOC.write_text(reference(), encoding="utf-8")
        print(f"wrote {DOC}")
    else:
        print(reference(), end="")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
