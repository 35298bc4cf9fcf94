"""`access-es serve`: the app under uWSGI's HTTP/1.1 server (pyuwsgi's binary wheels), a production
server, not Flask's development server.

One process, N threads, no master: uWSGI runs inside this Python process (`pyuwsgi.run`), so the
process that `access-es serve` starts is the one that serves. Benchmarks that read the CPU time and
RSS of the serve process therefore see everything. A master process would respawn a crashed worker,
but a Python exception never crashes it (only a fault in C would), and a supervisor (systemd, ECS,
Kubernetes) restarts the whole process just as well; one process keeps the numbers honest and the
shutdown simple. SIGTERM or SIGINT stops it at once (exit status 30, uWSGI's), as SIGTERM stopped
waitress; requests in progress are cut off.

uWSGI imports `access_es.served`, which serves the app prepared here: settings and credentials are
checked, and the app built, before the server starts, and problems are reported as before. What
uWSGI does differently from waitress (chunked bodies, 100-continue, forwarded headers...) is handled
in uwsgi_adapter.py.

uWSGI describes itself on stderr as it starts (about 30 lines, a few more when run as root), before
our banner. Without a master process its log cannot be filtered, and hiding it would also hide why
a start failed (a port in use, say). The request log is unchanged: the app writes one JSON object
per line to stderr (logs.py), and uWSGI's own request logging is off.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Callable

from .settings import load_settings

# Each thread serves one connection at a time, and an idle keep-alive connection holds its thread
# until the client sends again or this many seconds pass; the same limit applies to a client that
# stops sending its body or reading our answer (waitress: 120 s of inactivity, but its idle
# connections held no thread). Short enough that idle browsers give the threads back soon, long
# enough for a slow network.
SOCKET_TIMEOUT = 10
# Largest request head uWSGI can take (its packet size is 16 bits): Kibana sends big cookies.
BUFFER_SIZE = 65535
# One chunk of a chunked request body, at most (uWSGI's default is 1 MiB); bodies are held whole.
CHUNK_LIMIT = 100 * 1024 * 1024
# Connections waiting to be accepted while every thread is busy (waitress allowed 1000 open ones).
BACKLOG = 1024


@dataclass
class Prepared:
    """What `access_es.served` hands to uWSGI: the app, how many proxies in front to trust, the
    number of threads, and the line to print once serving."""

    app: Callable | None = None
    trust_proxy: int = 0
    threads: int = 16
    banner: str = ""


PREPARED = Prepared()


def serve_command(host: str, port: int, threads: int, processes: int = 1) -> int:
    from . import create_app
    from .logs import configure_logging
    from .signing import default_credentials

    settings = load_settings()  # ConfigError: reported by the CLI with every problem listed
    configure_logging()
    if default_credentials() is None:
        print(
            "access-es cannot start: no AWS credentials found to sign upstream requests.\n"
            "  Set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role is "
            "attached (EC2, ECS, Lambda).",
            file=sys.stderr,
        )
        return 2
    app = create_app(settings)
    return run(app, host, port, threads, processes=processes, banner=f"access-es on http://{_address(host, port)}/ -> "
               f"{settings.endpoint} ({settings.service}, {settings.region})")


def run(app, host: str, port: int, threads: int, banner: str = "", processes: int = 1) -> int:
    """Serve `app` (a Flask app made by create_app) until SIGTERM/SIGINT end the process; the banner
    is printed once the port accepts connections. Only returns if uWSGI could not start."""
    import pyuwsgi

    PREPARED.app = app
    PREPARED.trust_proxy = app.extensions["access_es.settings"].trust_proxy
    PREPARED.threads = threads
    PREPARED.banner = banner
    return pyuwsgi.run(uwsgi_arguments(host, port, threads, processes)) or 1


def uwsgi_arguments(host: str, port: int, threads: int, processes: int = 1) -> list[str]:
    # Several processes: Python runs one thread at a time in a process, and under load its threads
    # spend CPU handing the interpreter lock to each other (measured: 1 connection 950 req/s, 8
    # connections 600 req/s in one process; 1,450 with two). A master then starts the workers
    # after the app is built (nothing is connected yet: pools, SQLite and AWS clients open lazily,
    # in each worker) and stops them all on SIGTERM.
    scale = ["--processes", str(processes), "--master"] if processes > 1 else []
    return scale + [
        "--http11-socket", _address(host, port),  # HTTP/1.1 with keep-alive, straight to the app
        "--threads", str(threads),
        "--enable-threads",              # Python threads (boto3's S3 transfers) even with --threads 1
        "--single-interpreter",          # the interpreter this process already runs: the app is in it
        "--module", "access_es.served:application",
        "--need-app",
        "--die-on-term",                 # SIGTERM ends the process, rather than reloading it
        "--disable-logging",             # our own JSON line per request (logs.py) instead of uWSGI's
        "--ignore-sigpipe", "--ignore-write-errors", "--disable-write-exception",  # clients that leave
        "--buffer-size", str(BUFFER_SIZE),
        "--socket-timeout", str(SOCKET_TIMEOUT),  # (no --so-keepalive: this ends idle connections)
        "--chunked-input-limit", str(CHUNK_LIMIT),
        "--listen", str(listen_backlog()),
    ]


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def listen_backlog() -> int:
    """uWSGI refuses to start with a backlog over the kernel's net.core.somaxconn."""
    try:
        with open("/proc/sys/net/core/somaxconn") as f:
            return min(BACKLOG, int(f.read()))
    except (OSError, ValueError):
        return 128
