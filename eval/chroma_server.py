"""What the scale benchmark records about a Chroma server: its version, its process, that process's memory.

The process is found from the server's TCP port: the socket listening on it (``/proc/net/tcp``, ``tcp6``)
and the process holding that socket (``/proc/<pid>/fd``). That works for a server of this user on this
machine (Linux); for any other, the figures are ``None`` and the result says so.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

_LISTEN = "0A"  # the state column of /proc/net/tcp


def server_version(url: str, timeout_s: float = 10.0) -> str | None:
    """The version the Chroma server at ``url`` reports (``GET /api/v2/version``); None if it does not answer."""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/api/v2/version", timeout=timeout_s) as response:
            return str(json.loads(response.read().decode("utf-8")))
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _listening_inodes(port: int, proc: Path) -> set[str]:
    inodes = set()
    for table in ("tcp", "tcp6"):
        try:
            rows = (proc / "net" / table).read_text(encoding="ascii").splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) > 9 and fields[3] == _LISTEN and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def listening_pid(port: int, proc: Path = Path("/proc")) -> int | None:
    """The process of this user that listens on TCP ``port`` on this machine, or None."""
    inodes = {f"socket:[{i}]" for i in _listening_inodes(port, proc)}
    if not inodes:
        return None
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                if os.readlink(fd) in inodes:
                    return int(entry.name)
        except OSError:  # another user's process, or one that just ended
            continue
    return None


def process_memory_mb(pid: int, proc: Path = Path("/proc")) -> dict[str, float] | None:
    """Resident memory of process ``pid`` now (``VmRSS``) and at its peak since it started (``VmHWM``), in MB."""
    try:
        lines = (proc / str(pid) / "status").read_text(encoding="ascii").splitlines()
    except OSError:
        return None
    fields = {k: v.split() for k, _, v in (line.partition(":") for line in lines)}
    try:
        return {"rss_mb": int(fields["VmRSS"][0]) / 1024, "peak_rss_mb": int(fields["VmHWM"][0]) / 1024}
    except (KeyError, IndexError, ValueError):
        return None


def server_facts(url: str) -> dict:
    """What the result records about the Chroma server at ``url``: version, process id, RSS now and at peak."""
    parsed = urlparse(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 8000)
    local = parsed.hostname in ("127.0.0.1", "localhost", "::1")
    pid = listening_pid(port) if local else None
    memory = process_memory_mb(pid) if pid is not None else None
    return {"url": url, "server_version": server_version(url), "server_pid": pid,
            "server_rss_mb": memory["rss_mb"] if memory else None,
            "server_peak_rss_mb": memory["peak_rss_mb"] if memory else None}
