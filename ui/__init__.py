"""The Gradio page over `rag`: chat, library and settings (see ui/app.py)."""
