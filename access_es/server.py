"""`access-es serve`: the app under waitress, a production WSGI server (threads, HTTP/1.1 keep-alive,
request buffering), not Flask's development server."""
from __future__ import annotations

import logging
import sys

from .settings import load_settings

log = logging.getLogger("access_es.server")


def serve_command(host: str, port: int, threads: int) -> int:
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
    return run(app, host, port, threads, banner=f"access-es on http://{host}:{port}/ -> {settings.endpoint} "
               f"({settings.service}, {settings.region})")


def run(app, host: str, port: int, threads: int, banner: str = "") -> int:
    """Bind, then say so (the banner appears once the port accepts connections), then serve."""
    import waitress

    server = waitress.create_server(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="access-es",
        # A slow client makes the relaying thread wait instead of buffering without bound.
        outbuf_high_watermark=16 * 1024 * 1024,
        channel_timeout=120,
        connection_limit=1000,
        # X-Forwarded-* reach the app only when ACCESS_ES_TRUST_PROXY says a proxy sets them (the
        # app's ProxyFix then reads as many hops as configured); otherwise waitress drops them.
        clear_untrusted_proxy_headers=not app.extensions["access_es.settings"].trust_proxy,
    )
    if banner:
        print(banner, file=sys.stderr, flush=True)
    try:
        server.run()
    finally:
        server.close()
    return 0
