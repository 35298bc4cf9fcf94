"""The proxy's own routes, under /_access-es/ and never proxied: health, login, logout, home (with a
person's own API keys: create, shown once; list; revoke), and the single sign-on round trip
(oidc/login, oidc/callback; the protocol is auth/oidc.py's)."""
from __future__ import annotations

import io
from urllib.parse import quote

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.exceptions import NotFound
from werkzeug.exceptions import RequestEntityTooLarge

from .accounts import Account, AccountError
from .accounts.keys import check_expires_days, create_key, expires_at, loggable_name, revoke_key
from .auth import check_credentials, client_address, end_session, start_session, who_is_asking
from .auth.credentials import stores
from .errors import BadRequest, Forbidden, ProxyError, TooManyAttempts, Unauthorized
from .record import RequestRecord, record_of
from .settings import OIDC_CALLBACK, is_local_path

OWN_PREFIX = "/_access-es"


def current_record() -> RequestRecord:
    """The record of the request this page is answering."""
    return record_of(request.environ)


bp = Blueprint("access_es", __name__, url_prefix=OWN_PREFIX)
# Our forms are small (login: a name, a password, a `next`, a CSRF token) and are read before anyone
# is authenticated: a larger body is refused (413) before any of it is read, however it is framed.
FORM_LIMIT = 16 * 1024
ID_TOKEN = "_oidc_id_token"  # the session key of an SSO login's ID token: the id_token_hint at logout


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
    if path.startswith((OWN_PREFIX + "/login", OWN_PREFIX + "/oidc/")):
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


def oidc_login_url(next_path: str | None = None) -> str:
    url = url_for("access_es.oidc_login")
    return f"{url}?next={quote(next_path, safe='/')}" if next_path else url


def oidc_redirect_url() -> str:
    """Where the provider sends the browser back: ACCESS_ES_OIDC_REDIRECT_URL, else this site's callback
    under the mount prefix (an API Gateway stage included)."""
    configured = current_app.extensions["access_es.settings"].oidc.redirect_url
    return configured or request.host_url.rstrip("/") + request.script_root + OIDC_CALLBACK


def password_login() -> bool:
    return current_app.extensions["access_es.settings"].password_login


def sso_configured() -> bool:
    return current_app.extensions["access_es.settings"].oidc is not None


def _oidc():
    """The SSO protocol module (auth/oidc.py), imported on first use: not at start-up (cold start)."""
    from .auth import oidc

    return oidc


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
                               error=error, password_login=password_login(),
                               sso_url=oidc_login_url(next_path) if sso_configured() else None)
        return page, status, headers or {}

    if request.method == "GET":
        return form()
    if not password_login():
        raise Forbidden("logging in with a password is turned off here; log in with SSO",
                        log_reason=f"password login refused for {loggable_name(name)!r}: ACCESS_ES_PASSWORD_LOGIN=off",
                        retry=login_url(next_path))
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
        return form(401, "Wrong name or password.", f"login failed for {loggable_name(name)!r} from {client_address()}")
    start_session(account)
    return redirect(next_path, 303)


def _minutes(e: TooManyAttempts) -> str:
    seconds = int(e.headers.get("Retry-After", "60"))
    return f"{-(-seconds // 60)} minute{'s' if seconds > 60 else ''}"


@bp.post("/logout")
def logout():
    """End our session; after an SSO login, continue to the provider's end_session_endpoint when it
    advertises one (RP-initiated logout), which sends the browser back to our login page."""
    _check_csrf()
    was_sso = current_user.is_authenticated and current_user.account.sso
    id_token = session.get(ID_TOKEN)
    end_session()
    if was_sso and sso_configured():
        oidc = _oidc()
        url = oidc.logout_url(id_token if isinstance(id_token, str) else None, oidc.login_page_of(oidc_redirect_url()))
        if url:
            return redirect(url, 303)
    return redirect(login_url(), 303)


@bp.get("/oidc/login")
def oidc_login():
    """Off to the provider's authorization endpoint, to come back to `next`."""
    if not sso_configured():
        raise NotFound()
    next_path = safe_next(request.args.get("next"), home_url(), request.script_root)
    try:
        url = _oidc().begin(next_path, oidc_redirect_url())
    except ProxyError as e:
        e.retry = oidc_login_url(next_path)
        raise
    return redirect(url, 303)


@bp.get("/oidc/callback")
def oidc_callback():
    """The provider's answer: an account and a session, or a page that says what failed."""
    if not sso_configured():
        raise NotFound()
    oidc = _oidc()
    record = current_record()
    record.auth = oidc.NAME
    retry = oidc_login_url(oidc.pending_next(request.args.get("state")))
    counters = stores().counters
    try:
        account, next_path, id_token = oidc.finish(request.args, lambda key, expires: counters.add(key, 1, expires) == 1)
    except ProxyError as e:
        e.retry = retry
        raise
    start_session(account)
    if id_token:
        session[ID_TOKEN] = id_token
    # `next` was judged when the login began; judged again, as the same rule would today.
    return redirect(safe_next(next_path, home_url(), request.script_root), 303)


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        raise Unauthorized("log in to see this page")
    return _home(current_user.account)


def _home(account: Account, status: int = 200, error: str | None = None, created: dict | None = None):
    """The home page: who you are, your API keys (`created`: the one just made, shown this once)."""
    max_days = current_app.extensions["access_es.settings"].key_max_days
    keys = [{"name": k.name, "id": k.id, "created": _day(k.created), "expires": _day(expires_at(k, max_days)),
             "last_used": _day(k.last_used) if k.last_used else "never"}
            for k in stores().keys.of_account(account.name)]
    page = render_template("home.html", account=account, home=home_url(), csrf_token=generate_csrf(),
                           keys=keys, max_days=max_days, error=error, created=created)
    # The page may show a key: never kept by a cache or the browser's history
    return page, status, {"Cache-Control": "no-store"}


def _day(epoch: float) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _person() -> Account:
    """The account of the person logged in here. Keys are managed by a person with a session, never
    with a key or Basic credentials (a leaked key must not be able to make itself a successor)."""
    account = who_is_asking()
    if account is None:
        raise Unauthorized("log in to manage your API keys")
    if current_record().auth != "session":
        raise Forbidden("API keys are managed by a person logged in on /_access-es/, not with a key or a password "
                        "sent by a script")
    _check_csrf()
    return account


@bp.post("/keys")
def create_api_key():
    account = _person()
    max_days = current_app.extensions["access_es.settings"].key_max_days
    raw_days = request.form.get("expires_days", "").strip()
    try:
        try:
            days = int(raw_days) if raw_days else max_days
        except ValueError:
            days = 0
        check_expires_days(days, max_days)
        record, key = create_key(stores().keys, account.name, request.form.get("name", "").strip() or None, days)
    except AccountError as e:
        current_record().reason = f"API key not created for {account.name!r}: {e}"
        return _home(account, 400, str(e).replace("--expires-days", "Days").replace(" (ACCESS_ES_KEY_MAX_DAYS)", ""))
    current_record().key_name = record.name
    return _home(account, 200, created={"name": record.name, "key": key, "expires": _day(record.expires)})


@bp.post("/keys/revoke")
def revoke_api_key():
    account = _person()
    name = request.form.get("name", "")
    if not revoke_key(stores().keys, account.name, name):
        current_record().reason = f"no API key {name!r} of {account.name!r} to revoke"
        return _home(account, 404, "You have no API key of that name (revoked already?).")
    current_record().key_name = name
    return redirect(url_for("access_es.home"), 303)
