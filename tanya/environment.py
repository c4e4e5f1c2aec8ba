"""The process environment, set once by the entry point before any library is imported.

The code that loads models and serves the page already asks for no network itself
(``local_files_only=True``, ``analytics_enabled=False``); these variables also keep the
libraries it uses (Hugging Face, Gradio) from reaching out on their own, e.g. to check versions.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

#: Variables set unless the user set them: offline models, no telemetry, no analytics.
OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
}


def configure(environ: MutableMapping[str, str] = os.environ) -> None:
    """Set :data:`OFFLINE`'s variables in ``environ`` where they are not set."""
    for name, value in OFFLINE.items():
        environ.setdefault(name, value)
