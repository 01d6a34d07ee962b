"""Which address phones in the hall use to reach this machine, and whether a link can work.

``make run`` on a laptop listens on localhost, and a link or QR code with ``localhost`` in
it opens the phone itself, not the laptop. ``make run HALL=1`` listens on every interface
and puts the machine's LAN address into links and the QR code; this module finds that
address without sending a single packet (a UDP socket's ``connect`` only picks the route).

>>> phone_reachable("http://localhost:8501")
False
>>> phone_reachable("http://192.168.1.20:8501/?t=abc")
True
>>> hall_url("192.168.1.20", 8501)
'http://192.168.1.20:8501'
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

# A documentation address (RFC 5737): connecting a UDP socket to it makes the kernel
# choose the interface of the default route; nothing is sent, so nothing can leak.
_ROUTE_PROBE = ("192.0.2.1", 9)


def _usable(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return ip.version == 4 and not (ip.is_loopback or ip.is_unspecified or ip.is_link_local
                                    or ip.is_multicast)


def lan_address() -> str | None:
    """This machine's IPv4 address in the local network (e.g. ``192.168.1.20``), or None.

    First the address of the interface the default route leaves by (found with a UDP
    ``connect``, which sends nothing), then the addresses the host name resolves to.
    """
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(_ROUTE_PROBE)
            address = str(probe.getsockname()[0])
        if _usable(address):
            return address
    except OSError:
        pass
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return None
    for info in infos:
        address = str(info[4][0])
        if _usable(address):
            return address
    return None


def hall_url(address: str, port: int) -> str:
    """The base URL phones use: ``http://<address>:<port>``."""
    return f"http://{address}:{port}"


def phone_reachable(url: str | None) -> bool:
    """Whether a phone in the hall could open ``url``: False for localhost, 127.x, ::1 and
    0.0.0.0 (an address that means "this device" on every device), True otherwise."""
    if not url:
        return False
    host = (urlsplit(url).hostname or "").strip("[]").casefold()
    if not host or host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return True  # a host name: the hall's DNS decides, Harvest cannot know
    return not (ip.is_loopback or ip.is_unspecified)
