"""WebRTC connection settings for the live page: ICE servers and the loopback opt-in.

By default no ICE server is used, so the browser and the server only exchange
their own host addresses and nothing is sent to an outside STUN server. For
remote use set ``POSECHECK_ICE_SERVERS`` to a JSON list of RTCIceServer
objects, e.g.::

    POSECHECK_ICE_SERVERS='[{"urls": "stun:stun.example.org:3478"},
                            {"urls": "turn:turn.example.org:3478", "username": "u", "credential": "p"}]'

(a remote browser also needs the page served over HTTPS to open a camera).

``POSECHECK_WEBRTC_LOOPBACK=1`` makes the server offer a 127.0.0.1 ICE
candidate. aioice (the server's ICE agent) leaves loopback out of its host
addresses, so on a machine with only a loopback interface (a container, a
test's network namespace) it offers no candidate at all and the connection
never starts. Browser and server on the same machine need this; Chromium must
also allow loopback (``--allow-loopback-in-peer-connection``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from typing import Any

from posecheck.errors import InputError

ICE_SERVERS_ENV = "POSECHECK_ICE_SERVERS"
LOOPBACK_ENV = "POSECHECK_WEBRTC_LOOPBACK"
LOOPBACK_ADDRESS = "127.0.0.1"
_TRUE = {"1", "true", "yes", "on"}


def ice_servers(environ: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """ICE servers from ``POSECHECK_ICE_SERVERS`` (JSON list, or object with "iceServers"); [] if unset."""
    env = os.environ if environ is None else environ
    raw = env.get(ICE_SERVERS_ENV, "").strip()
    if not raw:
        return []
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(f"{ICE_SERVERS_ENV} is not valid JSON ({exc.msg} at char {exc.pos})") from None
    if isinstance(data, dict):
        data = data.get("iceServers", [data])
    if not isinstance(data, list):
        raise InputError(f"{ICE_SERVERS_ENV} must be a JSON list of objects with 'urls'")
    servers: list[dict[str, Any]] = []
    for i, server in enumerate(data):
        urls = server.get("urls") if isinstance(server, dict) else None
        if isinstance(urls, str):
            urls = [urls]
        if not urls or not all(
            isinstance(u, str) and u.split(":", 1)[0] in {"stun", "stuns", "turn", "turns"} for u in urls
        ):
            raise InputError(
                f"{ICE_SERVERS_ENV}[{i}]: needs 'urls' with stun:, stuns:, turn: or turns: addresses, "
                f"got {server!r}"
            )
        servers.append(dict(server))
    return servers


def rtc_configuration(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The RTCConfiguration for both the browser and the server."""
    # An explicit empty list matters: streamlit-webrtc fills in public STUN servers when it is missing.
    return {"iceServers": ice_servers(environ)}


def loopback_requested(environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``POSECHECK_WEBRTC_LOOPBACK`` asks for a 127.0.0.1 candidate."""
    env = os.environ if environ is None else environ
    return env.get(LOOPBACK_ENV, "").strip().lower() in _TRUE


def enable_loopback_candidates() -> bool:
    """Make aioice offer 127.0.0.1 as a host candidate (idempotent); True if it is now on."""
    from aioice import ice

    current: Callable[[bool, bool], list[str]] = ice.get_host_addresses
    if getattr(current, "_posecheck_loopback", False):
        return True

    def with_loopback(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        addresses = list(current(use_ipv4, use_ipv6))
        if use_ipv4 and LOOPBACK_ADDRESS not in addresses:
            addresses.append(LOOPBACK_ADDRESS)
        return addresses

    with_loopback._posecheck_loopback = True  # type: ignore[attr-defined]
    # aioice looks the function up in its module at gather time, so replacing the module attribute is enough.
    ice.get_host_addresses = with_loopback
    return True


def configure(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Apply the loopback opt-in if set and return the RTCConfiguration to use."""
    if loopback_requested(environ):
        enable_loopback_candidates()
    return rtc_configuration(environ)
