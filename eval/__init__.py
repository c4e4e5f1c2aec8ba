"""Eval sets, metrics and the runner that judge every change."""
