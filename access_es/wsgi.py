"""The WSGI entry point for servers that import an app object: Zappa's `app_function`
("access_es.wsgi.app"), gunicorn, mod_wsgi. Building it reads and validates ACCESS_ES_*."""
from . import create_app
from .logs import configure_logging

configure_logging()
app = create_app()
