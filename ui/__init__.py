"""The Gradio web UI: a thin layer over `rag`'s public API."""
