"""Which ``Host`` headers a server of ours answers to (the page and the API), and which addresses are this
machine only. No web library is imported here: the API server uses it without loading Gradio."""

from __future__ import annotations

import ipaddress
import socket

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` serves this machine only (``localhost``, 127.0.0.0/8, ``::1``)."""
    host = host.strip().strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve to any address
        return False


def allowed_hosts(host: str, configured: list[str]) -> list[str]:
    """The Host names a server answers to: the address it is bound to, loopback names when it is
    bound to this machine only, this machine's name when bound to every address, and ``configured``
    (``TANYA_ALLOWED_HOSTS``: e.g. the name of a reverse proxy in front of it)."""
    names = {host, *configured}
    if host in LOOPBACK_NAMES:
        names.update(LOOPBACK_NAMES)
    elif host in ("0.0.0.0", "::", ""):
        names.update(LOOPBACK_NAMES)
        names.update({socket.gethostname(), socket.getfqdn()})
    return sorted(n for n in names if n)
