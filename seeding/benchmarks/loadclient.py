"""A bounded HTTP load client for `make bench` (standard library only).

`run` drives one target with N virtual users, each its own thread and connection, each sending a
request, reading the whole answer, then waiting `think` seconds, until `duration` has passed: it
stops by itself. Only 127.0.0.1 is accepted. Every answer that is not the expected status counts
as an error (and its status is kept). Latency is measured from before connecting to the last
byte read, in the client.
"""

from __future__ import annotations

import http.client
import math
import re
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

HOST = "127.0.0.1"
CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Result:
    name: str
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: Counter = field(default_factory=Counter)

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float | None:
        if not self.latencies_ms:
            return None
        ordered = sorted(self.latencies_ms)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)]

    @property
    def median(self) -> float | None:
        return statistics.median(self.latencies_ms) if self.latencies_ms else None


class Client:
    """One virtual user's HTTP/1.1 connection to the server on 127.0.0.1, with its cookies and the
    header a TLS-terminating proxy adds (production settings trust X-Forwarded-Proto)."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None, timeout: float = 60.0):
        self.port = port
        self.cookies = dict(cookies or {})
        self.timeout = timeout
        self.connection: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        return self.connection

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        """(status, headers, body); keeps the cookies the server sets."""
        all_headers = {
            "Host": f"{HOST}:{self.port}",
            "X-Forwarded-Proto": "https",
            "Accept-Language": "zh-hans",
            **(headers or {}),
        }
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            connection = self._connect()
            try:
                connection.request(method, path, body=body, headers=all_headers)
                response = connection.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection (sync workers close after each answer).
                self.close()
                if attempt == 2:
                    raise
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _sep, cookie = pair.partition("=")
                if "max-age=0" in value.lower() or "expires=thu, 01 jan 1970" in value.lower():
                    self.cookies.pop(key.strip(), None)
                else:
                    self.cookies[key.strip()] = cookie.strip()
        if response.getheader("Connection", "").lower() == "close" or response.will_close:
            self.close()
        return response.status, response, data

    def get(self, path: str):
        return self.request("GET", path)

    def sign_in(self, username: str, password: str) -> tuple[int, int]:
        """GET the sign-in form, POST the credentials: (form status, POST status); 302 is success."""
        status, _response, page = self.get("/accounts/login/")
        match = CSRF_INPUT.search(page)
        if status != 200 or match is None:
            return status, 0
        body = f"csrfmiddlewaretoken={match.group(1).decode()}&username={username}&password={password}".encode()
        origin = f"https://{HOST}:{self.port}"
        status_post, _response, _page = self.request(
            "POST",
            "/accounts/login/",
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": origin,
                "Referer": origin + "/accounts/login/",
            },
        )
        return status, status_post


def run(
    name: str,
    clients: list[Client],
    action: Callable[[Client, int], bool],
    *,
    duration: float = 30.0,
    think: float = 1.0,
    stagger: float = 1.0,
) -> Result:
    """Each client runs `action(client, i)` (True when the answer was the expected one), then waits
    `think` seconds, until `duration` is over. Clients start spread over `stagger` seconds."""
    result = Result(name)
    lock = threading.Lock()
    started = time.perf_counter()
    deadline = started + duration

    def user(index: int, client: Client) -> None:
        time.sleep(stagger * index / max(1, len(clients)))
        iteration = 0
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            try:
                ok, status = action(client, iteration)
            except Exception as exc:  # a refused or broken connection is an error, not a crash
                ok, status = False, type(exc).__name__
                client.close()
            elapsed = (time.perf_counter() - t0) * 1000
            with lock:
                result.latencies_ms.append(elapsed)
                result.statuses[status] += 1
                if not ok:
                    result.errors += 1
            iteration += 1
            time.sleep(think)
        client.close()

    threads = [threading.Thread(target=user, args=(i, c), daemon=True) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + 120)
    result.seconds = time.perf_counter() - started
    return result
