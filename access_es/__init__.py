"""access-es: a session-authenticated, SigV4-signing reverse proxy for Amazon Elasticsearch /
OpenSearch and their Kibana / Dashboards.

`create_app()` is the one place where configuration is loaded and the parts are wired together;
importing the package does nothing else (a Lambda cold start pays for every import).
"""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .signing import Signer

__version__ = "0.1.0"


def create_app(settings: Any = None, *, signer: Signer | None = None, stores: Any = None,
               test_config: dict | None = None):
    """Build the WSGI app. `settings` defaults to the environment (ACCESS_ES_*); `signer` and
    `stores` may be swapped (tests); `test_config` overrides Flask config keys."""
    from flask import Flask

    from . import auth, error_handlers, logs, pages
    from .errors import template_dir
    from .proxy import views as proxy_views
    from .proxy.product import UpstreamProduct
    from .proxy.upstream import Upstream
    from .settings import load_settings
    from .signing import signer_for
    from .lambda_adapter import LambdaAdapter
    from .memory import ReleaseAfterLargeAnswers
    from .overflow import overflow_policy
    from .overflow.middleware import OverflowMiddleware
    from .stores import open_stores

    settings = settings or load_settings()
    app = Flask(__name__, template_folder=template_dir(), static_folder=None)
    app.extensions["access_es.settings"] = settings
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME=auth.SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
        # The cookie is set at login and expires with the session's absolute lifetime; activity is
        # tracked server-side, so proxied answers do not each carry a Set-Cookie of ours.
        SESSION_REFRESH_EACH_REQUEST=False,
        # Flask-WTF: we check CSRF on our own forms only; proxied Kibana POSTs carry kbn-xsrf.
        WTF_CSRF_CHECK_DEFAULT=False,
        MAX_FORM_MEMORY_SIZE=64 * 1024,
    )
    if test_config:
        app.config.update(test_config)

    app.extensions["access_es.upstream"] = Upstream(
        settings.endpoint, settings.endpoint_host, signer or signer_for(settings),
        settings.upstream_timeout, ca_bundle=settings.ca_bundle, proxy=settings.upstream_proxy,
    )
    app.extensions["access_es.upstream_product"] = UpstreamProduct(settings.service)
    auth.init_app(app, stores if stores is not None else open_stores(settings.users, settings.aws_region))
    # The proxied requests skip Flask (proxy/views.py); our pages and browsers navigating go to it.
    app.wsgi_app = proxy_views.ProxiedRequests(app, app.wsgi_app)
    if settings.trust_proxy:
        # Client address and scheme from X-Forwarded-For/-Proto, as many hops as configured; the
        # host is never taken from a header (the upstream is fixed, and redirects use our host).
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trust_proxy, x_proto=settings.trust_proxy,
                                x_host=0, x_port=0, x_prefix=0)
    logs.init_app(app)
    error_handlers.init_app(app)
    app.wsgi_app = logs.RequestLog(ReleaseAfterLargeAnswers(
        OverflowMiddleware(LambdaAdapter(app.wsgi_app), overflow_policy(settings))))
    app.register_blueprint(pages.bp)
    app.register_blueprint(proxy_views.bp)
    return app
