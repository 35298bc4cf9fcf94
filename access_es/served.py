"""What uWSGI loads (`--module access_es.served:application`) inside `access-es serve`: the app that
server.run prepared in this same process, behind the uWSGI adapter. Importable only under uWSGI."""
import sys

import uwsgi

from .server import PREPARED, SOCKET_TIMEOUT
from .uwsgi_adapter import UwsgiAdapter

if PREPARED.app is None:
    raise RuntimeError("access_es.served is loaded by `access-es serve` (server.run), not on its own")

application = UwsgiAdapter(PREPARED.app, PREPARED.trust_proxy, PREPARED.threads, SOCKET_TIMEOUT, server=uwsgi)


def _announce() -> None:
    """Runs once the worker is set up, just before it accepts: the socket is listening by then."""
    if PREPARED.banner and uwsgi.worker_id() <= 1:  # once, with several worker processes too
        print(PREPARED.banner, file=sys.stderr, flush=True)


uwsgi.post_fork_hook = _announce
uwsgi.after_req_hook = application.after_request
