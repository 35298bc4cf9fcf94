"""A bounded mixed load over loopback, shared by the short test (make test) and the long soak
(make bench): concurrent clients for a fixed time, each request checked byte for byte.

Mix per client loop: small searches (Basic auth), a 2 MiB binary answer, an answer too large for
Lambda (303 to S3, then fetched and checked), and a browser-style login, use and logout.
"""
from __future__ import annotations

import hashlib
import re
import threading
import time
from dataclasses import dataclass, field

import requests

from access_es.standin.domain import Reply, pattern_bytes

MIB = 1024 * 1024


@dataclass
class LoadStats:
    requests: int = 0
    errors: list = field(default_factory=list)
    corrupt: list = field(default_factory=list)
    by_kind: dict = field(default_factory=dict)
    rss_samples: list = field(default_factory=list)  # (seconds since start, RSS MiB)
    seconds: float = 0.0

    def count(self, kind: str) -> None:
        self.requests += 1
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def install_routes(standin) -> dict[str, str]:
    """Routes on the stand-in, and the digests their answers must have."""
    two = pattern_bytes(2 * MIB, seed=11)
    seven = pattern_bytes(7 * MIB, seed=12)
    standin.route("/_load/two", lambda req: Reply(200, [], two, content_type="application/octet-stream"))
    standin.route("/_load/seven", lambda req: Reply(200, [], (seven[i:i + MIB] for i in range(0, len(seven), MIB)),
                                                    content_type="application/octet-stream"))
    return {"two": hashlib.sha256(two).hexdigest(), "seven": hashlib.sha256(seven).hexdigest()}


def _rss(pid: int) -> float:
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_load(base: str, user: str, password: str, digests: dict[str, str], *, seconds: float, clients: int,
             overflow: bool, pid: int | None = None, logins: bool = True) -> LoadStats:
    stats = LoadStats()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    started = time.monotonic()

    def record(kind, ok, detail=""):
        with lock:
            stats.count(kind)
            if ok is False:
                stats.errors.append(f"{kind}: {detail}")
            elif ok == "corrupt":
                stats.corrupt.append(f"{kind}: {detail}")

    def client(n: int):
        api = requests.Session()
        api.auth = (user, password)
        i = 0
        while time.monotonic() < deadline:
            i += 1
            try:
                r = api.get(base + "/logs-demo/_search", params={"q": "error", "size": "3"})
                ok = r.status_code == 200 and r.json()["hits"]["total"]["value"] == 50
                record("search", ok or False, f"{r.status_code}")
                if i % 3 == 0:
                    r = api.get(base + "/_load/two")
                    good = r.status_code == 200 and hashlib.sha256(r.content).hexdigest() == digests["two"]
                    record("2 MiB", True if good else ("corrupt" if r.status_code == 200 else False), f"{r.status_code}")
                if overflow and i % 5 == 0:
                    r = api.get(base + "/_load/seven", allow_redirects=False)
                    if r.status_code != 303:
                        record("overflow", False, f"{r.status_code}")
                    else:
                        body = requests.get(r.headers["Location"]).content
                        record("overflow", True if hashlib.sha256(body).hexdigest() == digests["seven"] else "corrupt",
                               "digest")
                if logins and i % 4 == 0:
                    browser = requests.Session()
                    page = browser.get(base + "/_access-es/login")
                    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
                    r = browser.post(base + "/_access-es/login", allow_redirects=False,
                                     data={"csrf_token": token, "username": user, "password": password})
                    ok = r.status_code == 303
                    r = browser.get(base + "/logs-demo/_count", headers={"Accept": "application/json"})
                    ok = ok and r.status_code == 200 and r.json()["count"] == 200
                    home = browser.get(base + "/_access-es/")
                    token = re.search(r'name="csrf_token" value="([^"]+)"', home.text).group(1)
                    r = browser.post(base + "/_access-es/logout", data={"csrf_token": token}, allow_redirects=False)
                    ok = ok and r.status_code == 303
                    after = browser.get(base + "/logs-demo/_count", headers={"Accept": "application/json"})
                    record("login/logout", (ok and after.status_code == 401) or False, f"{after.status_code}")
            except Exception as e:  # noqa: BLE001 - every failure is a finding
                record("exception", False, f"{type(e).__name__}: {e}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        if pid:
            stats.rss_samples.append((round(time.monotonic() - started, 1), round(_rss(pid), 1)))
        time.sleep(0.5)
    for t in threads:
        t.join()
    stats.seconds = time.monotonic() - started
    return stats
