"""Where the proxy's CPU goes for a small answer: the WSGI app driven in this process (no server),
against a real upstream over loopback, timed and then profiled with cProfile.

The environ is what a production server hands the app (REQUEST_URI included), so this is the app's
own cost per request; `make bench`'s proxy bench adds the server's. Results: a table of the most
expensive functions (own time and cumulative) to stdout, or to --out as markdown.

    python bench/profile_proxy.py --upstream http://127.0.0.1:PORT [--requests 3000] [--auth basic|session]
"""
from __future__ import annotations

import argparse
import base64
import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path

from bed import PASSWORDS, REPO, heading, write_results  # bench/ is on sys.path when run as a script


def build_app(upstream: str, users: Path):
    from botocore.credentials import Credentials

    from access_es import create_app
    from access_es.settings import load_settings
    from access_es.signing import AWS4Signer

    settings = load_settings({"ACCESS_ES_ENDPOINT": upstream, "ACCESS_ES_REGION": "us-east-1",
                              "ACCESS_ES_SECRET_KEY": "profile-secret-key-0123456789", "ACCESS_ES_USERS": str(users)})
    signer = AWS4Signer("us-east-1", "es", credentials=lambda: Credentials("AKIAPROFILE", "secret", "token"))
    return create_app(settings, signer=signer)


def environ_for(path: str, headers: dict[str, str]) -> dict:
    environ = {
        "REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": "",
        "REQUEST_URI": path, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "9200", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
        "wsgi.version": (1, 0), "HTTP_HOST": "127.0.0.1:9200", "HTTP_USER_AGENT": "wrk",
    }
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def one(app, headers: dict[str, str]) -> int:
    status = []
    body = app(environ_for("/_search", headers), lambda s, h, e=None: status.append(s))
    try:
        data = b"".join(body)
    finally:
        getattr(body, "close", lambda: None)()
    code = int(status[0].split()[0])
    if code != 200:
        raise SystemExit(f"profile: the proxied request answered {status[0]}: {data[:500]!r}")
    return code


def session_cookie(app) -> dict[str, str]:
    import re

    client = app.test_client()
    page = client.get("/_access-es/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/_access-es/login", data={"csrf_token": token, "username": "alice", "password": PASSWORDS["alice"]})
    cookie = client.get_cookie("access_es_session")
    return {"Cookie": f"access_es_session={cookie.value}", "Accept": "application/json"}


PARTS = [  # (where the code lives, what it is), first match wins
    ("access_es/", "access-es itself"),
    ("botocore/", "SigV4 signing (botocore)"),
    ("urllib3/", "upstream HTTP (urllib3, http.client, email header parsing)"),
    ("http/client.py", "upstream HTTP (urllib3, http.client, email header parsing)"),
    ("email/", "upstream HTTP (urllib3, http.client, email header parsing)"),
    ("flask", "Flask, Flask-Login, Werkzeug"),
    ("werkzeug/", "Flask, Flask-Login, Werkzeug"),
    ("itsdangerous/", "Flask, Flask-Login, Werkzeug"),
]


def component(filename: str, name: str) -> str:
    if filename == "~":
        if "socket" in name:
            return "socket system calls (send to and receive from the upstream)"
        return "Python built-ins (str, dict, isinstance...)"
    return next((part for where, part in PARTS if where in filename), "other standard library")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--auth", choices=["basic", "session"], default="basic")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out")
    args = parser.parse_args()

    from access_es.accounts import Account
    from access_es.accounts.passwords import hash_password
    from access_es.stores import open_stores

    users = Path(tempfile.mkdtemp(prefix="access-es-profile-")) / "users.json"
    open_stores(str(users)).accounts.put(Account("alice", "admin", hash_password(PASSWORDS["alice"])))
    app = build_app(args.upstream, users)
    if args.auth == "basic":
        headers = {"Authorization": "Basic " + base64.b64encode(f"alice:{PASSWORDS['alice']}".encode()).decode()}
    else:
        headers = session_cookie(app)
    for _ in range(200):  # warm: pool, Basic cache, lazy imports
        one(app, headers)
    started = time.process_time()
    for _ in range(args.requests):
        one(app, headers)
    cpu_ms = (time.process_time() - started) * 1000 / args.requests

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.requests):
        one(app, headers)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = sum(v[2] for v in stats.stats.values())  # own time of every function
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:args.top]

    by_part: dict[str, float] = {}
    for (filename, _, name), (_, _, tt, _, _) in stats.stats.items():
        part = component(filename, name)
        by_part[part] = by_part.get(part, 0.0) + tt
    lines = [heading(f"Where the CPU goes: a small answer, {args.auth} auth, in-process"), "",
             f"The WSGI app called directly (no server) {args.requests} times against {args.upstream}; "
             f"**{cpu_ms:.3f} ms CPU per request** without the profiler. Shares of the own time under cProfile "
             "(which inflates small functions), by part, then the most expensive functions.", "",
             "| part | share | about, ms per request |", "|---|---|---|"]
    for part, tt in sorted(by_part.items(), key=lambda kv: kv[1], reverse=True):
        lines.append(f"| {part} | {tt / total:.1%} | {cpu_ms * tt / total:.3f} |")
    lines += ["", "| function | calls/request | own time share | cumulative share |", "|---|---|---|---|"]
    for (filename, line, name), (cc, nc, tt, ct, _) in rows:
        where = filename.replace(str(REPO) + "/", "").split("site-packages/")[-1]
        lines.append(f"| `{name}` ({where}:{line}) | {nc / args.requests:.1f} | {tt / total:.1%} | {ct / total:.1%} |")
    if args.out:
        write_results(args.out, lines)
    else:
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
