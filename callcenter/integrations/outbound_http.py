"""HTTP POSTs to tenants' own endpoints, refusing server-side request forgery.

A URL is checked before it is stored and again before every delivery: https where
required, and every address its host resolves to must be public (no loopback,
private, link-local, shared, reserved or multicast address) unless private addresses
are allowed (tests, development). The request then goes to the very address that was
checked, with the URL's host as `Host` and TLS name, so a DNS answer that changes
between the check and the connection (rebinding) cannot redirect it. Redirects are
not followed.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3

Resolver = Callable[..., list]
TIMEOUT = urllib3.Timeout(connect=5.0, read=10.0)


class RefusedUrl(Exception):
    """The URL may not be called; the message says why."""


@dataclass(frozen=True)
class UrlPolicy:
    """What an endpoint URL must satisfy."""

    require_https: bool = True
    allow_private: bool = False


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


@dataclass(frozen=True)
class Outcome:
    """What the receiver answered: a status code, or the error that prevented one."""

    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check(url: str, policy: UrlPolicy, *, resolve: Resolver = socket.getaddrinfo) -> Target:
    """The target of `url`, or RefusedUrl; resolves the host (DNS) to check it."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise RefusedUrl(f"not a valid URL: {exc}") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise RefusedUrl("the URL must start with https:// and name a host")
    if policy.require_https and parts.scheme != "https":
        raise RefusedUrl("the URL must use https")
    if parts.username or parts.password:
        raise RefusedUrl("the URL must not carry credentials")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = resolve(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise RefusedUrl(f"the host {parts.hostname} does not resolve: {exc}") from None
    addresses = sorted({info[4][0] for info in infos})
    if not addresses:
        raise RefusedUrl(f"the host {parts.hostname} does not resolve")
    if not policy.allow_private and not all(_public(a) for a in addresses):
        raise RefusedUrl(f"the host {parts.hostname} resolves to a private or local address")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port, path, addresses[0])


def post(url: str, body: bytes, headers: dict[str, str], *, policy: UrlPolicy,
         resolve: Resolver = socket.getaddrinfo) -> Outcome:
    """POST `body` to `url` after checking it; never raises for the receiver's failures."""
    started = time.monotonic()
    try:
        target = check(url, policy, resolve=resolve)
    except RefusedUrl as exc:
        return Outcome(None, f"refused: {exc}", 0)
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    if target.scheme == "https":
        pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
            target.address, target.port, server_hostname=target.host,
            assert_hostname=target.host, cert_reqs="CERT_REQUIRED", timeout=TIMEOUT,
            retries=False)
    else:
        pool = urllib3.HTTPConnectionPool(target.address, target.port, timeout=TIMEOUT,
                                          retries=False)
    try:
        response = pool.urlopen("POST", target.path, body=body,
                                headers={**headers, "Host": host_header}, redirect=False,
                                preload_content=False, assert_same_host=False)
        response.read(4096, decode_content=False)  # the answer's body is not used
        response.release_conn()
        return Outcome(response.status, None, _ms(started))
    except urllib3.exceptions.HTTPError as exc:
        return Outcome(None, f"{type(exc).__name__}: {exc}"[:300], _ms(started))
    finally:
        pool.close()


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
