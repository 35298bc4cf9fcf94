"""access-es: a session-authenticated, SigV4-signing reverse proxy for Amazon Elasticsearch /
OpenSearch and their Kibana / Dashboards.

`create_app()` is the one place where configuration is loaded and the parts are wired together;
importing the package does nothing else (a Lambda cold start pays for every import).
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

__version__ = "0.1.0"


def create_app(settings: Any = None, *, signer: Any = None, accounts: Any = None,
               test_config: dict | None = None):
    """Build the WSGI app. `settings` defaults to the environment (ACCESS_ES_*); `signer` and
    `accounts` may be swapped (tests); `test_config` overrides Flask config keys."""
    from flask import Flask

    from . import auth, logs, pages, web
    from .accounts import open_store
    from .proxy import views as proxy_views
    from .proxy.upstream import Upstream
    from .settings import load_settings
    from .signing import AWS4Signer

    settings = settings or load_settings()
    app = Flask(__name__, template_folder=web.template_dir(), static_folder=None)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        ACCESS_ES_SETTINGS=settings,
        SESSION_COOKIE_NAME=auth.SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        # Flask-WTF: we check CSRF on our own forms only; proxied Kibana POSTs carry kbn-xsrf.
        WTF_CSRF_CHECK_DEFAULT=False,
        MAX_FORM_MEMORY_SIZE=64 * 1024,
    )
    if test_config:
        app.config.update(test_config)

    app.extensions["access_es.upstream"] = Upstream(
        settings.endpoint, settings.endpoint_host, signer or AWS4Signer(settings.region, settings.service),
        settings.upstream_timeout,
    )
    auth.init_app(app, accounts if accounts is not None else open_store(settings.users))
    logs.init_app(app)
    web.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(proxy_views.bp)
    return app
