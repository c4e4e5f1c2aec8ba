"""Start a server process for a test (Chroma, llama.cpp's OpenAI-compatible server) and always stop it; or serve
an app of this process (the API over an Assistant with fakes) from a thread.

Used by the server-mode tests as a context manager inside a module-scoped fixture:

    with running_server([...command...], ready_url=..., log=tmp / "server.log") as proc:
        yield ...

The server listens on 127.0.0.1 only, on a port that was free a moment before.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str, headers: dict[str, str]) -> bool:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop(proc: subprocess.Popen, grace_s: float = 10.0) -> None:
    """Stop the process: SIGTERM, then SIGKILL if it has not exited after ``grace_s``."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=grace_s)


@contextlib.contextmanager
def running_server(command: list[str], *, ready_url: str, log: Path, timeout_s: float = 90.0,
                   headers: dict[str, str] | None = None,
                   env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    """Run ``command`` until the block ends, once ``ready_url`` answers 200 (asked with ``headers``);
    its output goes to ``log``; ``env``: variables added to this process's environment.

    Raises RuntimeError (with the log's tail) if it exits or does not answer within ``timeout_s``.
    The process is stopped when the block ends, however it ends.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env={**os.environ, **env} if env else None)
    try:
        deadline = time.monotonic() + timeout_s
        while not _answers(ready_url, headers or {}):
            if proc.poll() is not None:
                raise RuntimeError(f"{command[0]} exited with status {proc.returncode} before answering "
                                   f"{ready_url}:\n{_tail(log)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{command[0]} did not answer {ready_url} within {timeout_s:.0f} s:\n{_tail(log)}")
            time.sleep(0.2)
        yield proc
    finally:
        stop(proc)


@contextlib.contextmanager
def serving_in_thread(app: Any, timeout_s: float = 30.0) -> Iterator[str]:
    """Serve the ASGI ``app`` with uvicorn, in a thread of this process, on a free port of 127.0.0.1, until the
    block ends; yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="test-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn did not start on 127.0.0.1:{port}")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout_s)
