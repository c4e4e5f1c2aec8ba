"""The application: the `tanya` command, which may use every layer (ui, eval, rag, index).

Nothing imports it; it sets up the process (see :mod:`tanya.environment`) and dispatches.
"""
