"""The Gradio page over `rag`: chat, library and settings (see ui/app.py)."""

import os

# Before gradio and huggingface_hub are imported: no analytics, no telemetry, no hub requests.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
