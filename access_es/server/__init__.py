"""`access-es serve`: the app on our own HTTP/1.1 server, built for clients on the internet.

h11 (python-hyper's HTTP/1.1 state machine) parses and frames; an event loop per process
(loop.py) accepts connections, reads request heads with a bound on their whole time, and keeps
idle keep-alive connections, with no thread held by any of them; worker threads (exchange.py) run
the app on complete heads and read a body only when the app asks for it, after authentication.
The bounds are in limits.py. Several processes (`--processes`, by default one per CPU) share the
listening socket under a small supervisor that restarts a worker process that dies and stops them
all on SIGTERM or SIGINT.
"""
from __future__ import annotations

import os
import signal
import socket
import sys
import time

from ..settings import load_settings
from .limits import BACKLOG, HEAD_TIMEOUT, MAX_CONNECTIONS, MAX_REQUEST_BODY, SHUTDOWN_GRACE  # noqa: F401

THREADS = 16


def default_processes() -> int:
    """One worker process per CPU this process may run on (as nginx's `worker_processes auto`):
    Python runs one thread at a time in a process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def serve_command(host: str, port: int, threads: int, processes: int) -> int:
    from .. import create_app
    from ..logs import configure_logging
    from ..signing import default_credentials

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
    load_before_fork(app)
    return run(app, host, port, threads, processes,
               banner=f"access-es on http://{_address(host, port)}/ -> {settings.endpoint} "
                      f"({settings.service}, {settings.region}; {processes} process{'es' if processes > 1 else ''} "
                      f"x {threads} threads)")


def load_before_fork(app) -> None:
    """What a Lambda cold start leaves to the first request that needs it, a long-running server
    loads at once, before it forks its workers, so that they share it: the access rule tables and
    the upstream's connection pool (with an https endpoint's CA bundle; no connection is made)."""
    from ..access import route_tables

    route_tables()
    app.extensions["access_es.upstream"].connect()


def run(app, host: str, port: int, threads: int = THREADS, processes: int = 1, banner: str = "") -> int:
    """Serve `app` (made by create_app) until SIGTERM or SIGINT; returns 0 then, or 1 if the port
    could not be opened. The banner is printed once the port accepts connections."""
    from ..memory import keep_heap_tops

    _raise_descriptor_limit()
    keep_heap_tops()  # before the worker processes are forked: theirs too
    try:
        listener = _listen(host, port)
    except OSError as e:
        print(f"access-es serve: cannot listen on {_address(host, port)}: {e.strerror or e}", file=sys.stderr)
        return 1
    trust_proxy = app.extensions["access_es.settings"].trust_proxy
    if banner:
        print(banner, file=sys.stderr, flush=True)
    if processes == 1:
        return _serve_here(listener, app, threads, trust_proxy, shares=None)
    from ..auth import share_name_locks_across_processes
    from .shares import ConnectionShares

    share_name_locks_across_processes()
    shares = ConnectionShares(processes)
    return _supervise(shares, lambda: _serve_here(listener, app, threads, trust_proxy, shares))


def _serve_here(listener, app, threads: int, trust_proxy: int, shares) -> int:
    """Serve in this process; `shares`: the worker processes' connection counts (None when this
    process is the only one)."""
    from .loop import EventLoop

    loop = EventLoop(listener, app, threads, trust_proxy, shares)

    def stop(signum, frame):
        if loop.stopping is not None:
            raise SystemExit(0)  # asked twice: at once
        loop.stop()  # the requests in progress finish first (SHUTDOWN_GRACE)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        loop.run_forever()
    except SystemExit:
        pass  # requests still in progress are cut off (worker threads are daemons)
    return 0


def _supervise(shares, serve) -> int:
    """Start a worker process per slot of `shares` (ConnectionShares), each running `serve`; start a
    new one in its slot when one dies (at most one a second), and stop them all on SIGTERM or SIGINT."""
    children: dict[int, int] = {}  # pid -> its slot in shares
    stopping = False

    supervisor = os.getpid()

    def spawn(slot: int) -> None:
        pid = os.fork()
        if pid == 0:
            _end_with(supervisor)
            code = 1
            try:
                shares.take_slot(slot)
                code = serve()
            finally:
                os._exit(code)
        children[pid] = slot

    def stop(signum, frame):
        # Passed on to the workers, which finish their requests in progress first (SHUTDOWN_GRACE);
        # waitpid below returns as they end. (Ctrl-C in a terminal reaches them too: asked twice, they
        # stop at once.)
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for slot in range(shares.processes):
        spawn(slot)
    last_spawn = 0.0
    while not stopping:
        try:
            pid, status = os.waitpid(-1, 0)
        except InterruptedError:
            continue
        except ChildProcessError:
            break
        slot = children.pop(pid, None)
        if slot is None:
            continue
        shares.vacate(slot)
        if stopping:
            break
        print(f"access-es serve: worker process {pid} ended ({_how(status)}); starting another",
              file=sys.stderr, flush=True)
        time.sleep(max(0.0, last_spawn + 1 - time.monotonic()))
        last_spawn = time.monotonic()
        spawn(slot)
    deadline = time.monotonic() + SHUTDOWN_GRACE + 2  # the workers' own grace, then no more
    while children and time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid:
            children.pop(pid, None)
        else:
            time.sleep(0.05)
    for pid in children:
        os.kill(pid, signal.SIGKILL)
    return 0


def _end_with(supervisor: int) -> None:
    """In a worker process: be sent SIGTERM if the supervisor dies, even by SIGKILL (Linux), so that
    no orphaned worker keeps serving on the port."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != supervisor:  # it died before the line above
        os._exit(0)


def _how(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


def _raise_descriptor_limit() -> None:
    """Let each process hold MAX_CONNECTIONS connections and its upstream sockets: the soft limit
    on open files is often 1,024 (shells, systemd) while the hard one is far higher."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = MAX_CONNECTIONS + 1024
        if soft != resource.RLIM_INFINITY and soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted if hard == resource.RLIM_INFINITY
                                                        else min(wanted, hard), hard))
    except (ImportError, ValueError, OSError):
        pass  # not permitted, or not POSIX: the backlog holds what cannot be accepted


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(_backlog())
    return listener


def _backlog() -> int:
    try:
        with open("/proc/sys/net/core/somaxconn") as f:
            return min(BACKLOG, int(f.read()))
    except (OSError, ValueError):
        return 128


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
