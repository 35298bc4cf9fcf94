"""The proxy's own routes, under /_access-es/ and never proxied: health, login, logout, home."""
from __future__ import annotations

import io
from urllib.parse import quote

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from .auth import check_credentials, client_address, end_session, start_session
from .errors import BadRequest, TooManyAttempts, Unauthorized
from .record import current as current_record
from .settings import is_local_path

OWN_PREFIX = "/_access-es"
bp = Blueprint("access_es", __name__, url_prefix=OWN_PREFIX)
# Our forms are small (login: a name, a password, a `next`, a CSRF token) and are read before anyone
# is authenticated: a larger body is refused (413) before any of it is read, however it is framed.
FORM_LIMIT = 16 * 1024


@bp.before_request
def _bound_our_forms() -> None:
    request.max_content_length = FORM_LIMIT  # a declared length over it: 413 before reading
    if request.method == "POST" and request.content_length is None and request.environ.get("wsgi.input_terminated"):
        # chunked: no length to check up front, and Werkzeug would cut it at the bound silently
        body = request.environ["wsgi.input"].read(FORM_LIMIT + 1)
        if len(body) > FORM_LIMIT:
            raise RequestEntityTooLarge(f"a form of access-es is at most {FORM_LIMIT:,} bytes")
        request.environ["wsgi.input"] = io.BytesIO(body)
        request.environ["CONTENT_LENGTH"] = str(len(body))


def safe_next(value: str | None, default: str, prefix: str = "") -> str:
    """`next` only when it is a path of this app; anything else falls back to `default`.

    A path of this app: on this site (nothing a browser could read as another host: `//evil`,
    `/\\evil`, `https:evil`, tabs or newlines that browsers strip), under the app's mount `prefix`
    (SCRIPT_NAME: an API Gateway stage such as `/dev`, outside which API Gateway answers "Missing
    Authentication Token"), and not the login page itself. Both are judged on the path the browser
    will ask for, once it has resolved dot segments (`/dev/../x` is `/x`; `%2e` counts as `.`).
    """
    if not value or not is_local_path(value):
        return default
    path = browser_path(value)
    if prefix:
        if path != prefix and not path.startswith(prefix + "/"):
            return default
        path = path[len(prefix):] or "/"
    if path.startswith(OWN_PREFIX + "/login"):
        return default
    return value


_DOT = (".", "%2e")
_DOT_DOT = ("..", ".%2e", "%2e.", "%2e%2e")


def browser_path(value: str) -> str:
    """The path a browser requests for the same-site path `value`: without its query and fragment,
    dot segments resolved as the WHATWG URL standard does (pure; `value` starts with '/')."""
    path = value.split("?", 1)[0].split("#", 1)[0]
    segments = path.split("/")[1:]
    out: list[str] = []
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment.lower() in _DOT_DOT:
            if out:
                out.pop()
            if last:
                out.append("")
        elif segment.lower() in _DOT:
            if last:
                out.append("")
        else:
            out.append(segment)
    return "/" + "/".join(out)


def login_url(next_path: str | None = None) -> str:
    url = url_for("access_es.login")
    return f"{url}?next={quote(next_path, safe='/')}" if next_path else url


def home_url() -> str:
    return request.script_root + current_app.extensions["access_es.settings"].home


@bp.get("/health")
def health():
    # No login, no upstream call: load balancers and `zappa status` may poll it freely.
    return jsonify(status="ok", service="access-es")


def generate_csrf() -> str:
    # Flask-WTF and WTForms are loaded with the first form (a proxied request never needs them).
    from flask_wtf.csrf import generate_csrf

    return generate_csrf()


def _check_csrf() -> None:
    from flask_wtf.csrf import validate_csrf
    from wtforms.validators import ValidationError

    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        raise BadRequest(
            "the form expired or did not come from this site; reload the page and try again"
        ) from None


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_path = safe_next(request.values.get("next"), home_url(), request.script_root)
    name = request.form.get("username", "")

    def form(status: int = 200, error: str | None = None, reason: str | None = None, headers=None):
        if reason:
            current_record().reason = reason
        page = render_template("login.html", next=next_path, username=name, csrf_token=generate_csrf(),
                               error=error)
        return page, status, headers or {}

    if request.method == "GET":
        return form()
    try:
        _check_csrf()
    except BadRequest as e:
        return form(400, e.reason, e.reason)
    password = request.form.get("password", "")
    try:
        account = check_credentials(name, password) if name and password else None
    except TooManyAttempts as e:
        return form(429, f"Too many failed logins; try again in {_minutes(e)}.", e.log_reason, e.headers)
    if account is None:
        return form(401, "Wrong name or password.", f"login failed for {name!r} from {client_address()}")
    start_session(account)
    return redirect(next_path, 303)


def _minutes(e: TooManyAttempts) -> str:
    seconds = int(e.headers.get("Retry-After", "60"))
    return f"{-(-seconds // 60)} minute{'s' if seconds > 60 else ''}"


@bp.post("/logout")
def logout():
    _check_csrf()
    end_session()
    return redirect(login_url(), 303)


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        raise Unauthorized("log in to see this page")
    account = current_user.account
    return render_template(
        "home.html", account=account, home=home_url(), csrf_token=generate_csrf()
    )
