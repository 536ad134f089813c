"""POST one webhook: check the target again, connect to the address that was checked, read a bounded answer.

- The URL is parsed and its host resolved *now*, every address checked (stratus_shared.webhook_targets);
  the connection goes to one of those addresses, never to a fresh resolution, so a DNS answer that
  changes after the check (rebinding) is never connected to.
- TLS: SNI and certificate verification use the host name, and `Host` carries it, while the socket goes
  to the checked IP (urllib3, already in the runtime through botocore).
- No redirects (a 3xx is a failed attempt), no retries here, 15 s for the whole attempt, and at most
  64 KB of the response read; the connection is reused only when the answer was read to its end.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import urllib3
from models import HttpResult
from urllib3.exceptions import HTTPError, NewConnectionError, SSLError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from stratus_shared import webhook_targets

USER_AGENT = "Stratus-Webhooks/1.0"
_pools: dict[tuple[str, str, int, str], urllib3.HTTPConnectionPool] = {}
_pools_lock = threading.Lock()
MAX_POOLS = 512


def _pool(
    scheme: str, address: str, port: int, server_name: str, timeout: float
) -> urllib3.HTTPConnectionPool:
    """One keep-alive pool per (checked address, host name): warm containers reuse TLS connections."""
    pool_key = (scheme, address, port, server_name)
    with _pools_lock:
        pool = _pools.get(pool_key)
        if pool is None:
            if len(_pools) >= MAX_POOLS:
                _pools.pop(next(iter(_pools))).close()
            settings: dict[str, Any] = {
                "maxsize": 10,
                "block": False,
                "retries": False,
                "timeout": urllib3.Timeout(total=timeout),
            }
            if scheme == "https":
                pool = urllib3.HTTPSConnectionPool(
                    address,
                    port,
                    server_hostname=server_name,
                    assert_hostname=server_name,
                    cert_reqs="CERT_REQUIRED",
                    **settings,
                )
            else:
                pool = urllib3.HTTPConnectionPool(address, port, **settings)
            _pools[pool_key] = pool
        return pool


def post(  # noqa: PLR0911 - one return per way an attempt ends
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    allow_loopback: bool,
    timeout: float,
    max_read: int,
    dns: webhook_targets.Resolver | None = None,
) -> HttpResult:
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = webhook_targets.parse_target(url, allow_loopback=allow_loopback)
        addresses = webhook_targets.checked_addresses(target, dns)
    except webhook_targets.TargetRefusedError as exc:
        return HttpResult(None, elapsed(), error=f"refused target: {exc}")
    request_headers = {
        **headers,
        "Host": target.host_header,
        "User-Agent": USER_AGENT,
        "Content-Length": str(len(body)),
    }
    last_error = "no address to connect to"
    for address in addresses:
        remaining = timeout - (time.monotonic() - started)
        if remaining <= 0:
            return HttpResult(None, elapsed(), error=f"timed out after {timeout:g} s")
        pool = _pool(target.scheme, str(address), target.port, target.host, timeout)
        try:
            response = pool.urlopen(
                "POST",
                target.path,
                body=body,
                headers=request_headers,
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
                timeout=urllib3.Timeout(total=remaining),
            )
        except NewConnectionError as exc:
            last_error = f"connection to {address} failed: {_reason(exc)}"
            continue  # another checked address of the same host may answer
        except Urllib3Timeout:
            return HttpResult(None, elapsed(), error=f"timed out after {timeout:g} s")
        except SSLError as exc:
            return HttpResult(None, elapsed(), error=f"TLS failed: {_reason(exc)}")
        except HTTPError as exc:
            return HttpResult(None, elapsed(), error=f"request failed: {_reason(exc)}")
        return _read(response, started, timeout, max_read)
    return HttpResult(None, elapsed(), error=last_error)


def _read(response: Any, started: float, timeout: float, max_read: int) -> HttpResult:
    status = int(response.status)
    retry_after = response.headers.get("Retry-After")
    chunks: list[bytes] = []
    size = 0
    complete = False
    try:
        while size < max_read:
            if time.monotonic() - started > timeout:
                break
            chunk = response.read(min(16384, max_read - size))
            if not chunk:
                complete = True
                break
            chunks.append(chunk)
            size += len(chunk)
    except (Urllib3Timeout, HTTPError, OSError):
        complete = False
    finally:
        if complete:
            response.release_conn()
        else:  # never drain an unbounded or slow answer: drop the connection instead
            response.close()
    duration = int((time.monotonic() - started) * 1000)
    if duration > timeout * 1000 and not complete:
        return HttpResult(None, duration, b"".join(chunks), retry_after, f"timed out after {timeout:g} s")
    return HttpResult(status, duration, b"".join(chunks), retry_after)


def _reason(exc: BaseException) -> str:
    text = str(getattr(exc, "reason", None) or exc)
    return text[:300]
