"""The WSGI entry point for servers that import an app object: Zappa's `app_function`
("access_es.wsgi.app"), gunicorn, mod_wsgi. Building it reads and validates ACCESS_ES_*."""
from . import create_app
from .lambda_adapter import disable_zappa_cookie_copies
from .logs import configure_logging

disable_zappa_cookie_copies()  # under Zappa: one Set-Cookie per cookie (see lambda_adapter.py)
configure_logging()
app = create_app()
