"""Single sign-on with an OpenID provider (ACCESS_ES_OIDC_*): the authorization code flow with PKCE.

Not a way in of its own: a person proves who they are to the provider once, and this module turns the
provider's answer into an account and a session (session.start_session, exactly as a password login
does); the session way in carries them from there.

- begin(): a new `state`, `nonce` and PKCE verifier, kept in this browser's signed session cookie (at
  most MAX_PENDING logins at once, each for LOGIN_SECONDS), and the provider's authorization URL.
- finish(): the callback's `state` must be one this browser started, and is used once (a server-side
  mark in the counters store refuses a replayed callback even with an old copy of the cookie); the
  code is exchanged (client_secret_basic, or client_secret_post when the provider supports only that);
  the ID token is validated by joserfc and Authlib's CodeIDToken (signature against the provider's
  JWKS, refetched once on an unknown `kid`; an algorithm from the provider's advertised set and never
  `none` nor HMAC; iss, aud, exp, iat, nonce, azp when present, at_hash; 60 s of clock skew); the
  username and groups claims are completed from the userinfo endpoint when the ID token lacks either;
  the groups give the role; the account is recorded (sso=True, no password).

Every failure is a named error (errors.py: SsoRefused 400, SsoTokenInvalid 401, SsoNotAllowed 403,
ProviderUnreachable 502) whose log reason says what went wrong. Authlib, joserfc and requests are
imported on first use: a proxied request or a cold start never loads them.
"""
from __future__ import annotations

import contextvars
import hashlib
import secrets
import threading
import time
from typing import Any

from flask import current_app, session

from ..accounts import Account, AccountError, check_name
from ..errors import ProviderUnreachable, SsoNotAllowed, SsoRefused, SsoTokenInvalid
from ..settings import OIDC_CALLBACK, OidcSettings

NAME = "oidc"                  # the record's `auth` on the callback that starts a session
LEEWAY_SECONDS = 60            # clock skew allowed on exp, iat, nbf
LOGIN_SECONDS = 600            # a login started must come back within this
MAX_PENDING = 4                # logins in progress per browser (tabs); the oldest is dropped
METADATA_SECONDS = 24 * 3600   # discovery document kept this long (a stale copy is used if a refresh fails)
HTTP_TIMEOUT = 10              # seconds, for each call to the provider (API Gateway gives up at 29 s)
CALLBACK_BUDGET = 2            # a callback's calls to the provider, all together, take at most this many HTTP_TIMEOUTs
JWKS_SECONDS = 3600            # the provider's keys kept this long: a key it withdraws is not trusted much longer
PENDING = "_oidc"              # the session key of the logins in progress
MAX_ID_TOKEN_HINT = 2048       # a larger ID token is not kept in the cookie (logout then names the client)
# Signature algorithms we accept, whatever else the provider advertises: asymmetric only (an HMAC
# would have to be keyed with the client secret, or with a public key: never), never `none`.
ASYMMETRIC_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
                   "EdDSA", "Ed25519")


_deadline: "contextvars.ContextVar[float | None]" = contextvars.ContextVar("oidc_deadline", default=None)


def _within_deadline():
    """A requests transport adapter that reads every answer from the provider against a wall clock:
    the callback's deadline (finish() sets it), else HTTP_TIMEOUT from now. A socket timeout bounds
    each read only; a provider trickling its answer would otherwise hold the callback for ever."""
    from requests.adapters import HTTPAdapter
    from requests.exceptions import ReadTimeout

    class WithinDeadline(HTTPAdapter):
        def send(self, request, stream=False, timeout=None, **kwargs):
            deadline = _deadline.get() or time.monotonic() + HTTP_TIMEOUT
            left = deadline - time.monotonic()
            if left <= 0:
                raise ReadTimeout("the provider's answers took longer than their time")
            response = super().send(request, stream=True, timeout=min(timeout or HTTP_TIMEOUT, left), **kwargs)
            chunks = []
            try:
                while True:
                    if time.monotonic() > deadline:
                        raise ReadTimeout("the provider's answer took longer than its time")
                    chunk = response.raw.read1(65536, decode_content=True)
                    if not chunk:
                        break
                    chunks.append(chunk)
            finally:
                response.close()
            response._content = b"".join(chunks)
            response._content_consumed = True
            return response

    return WithinDeadline()


class Provider:
    """The provider's discovery document and JWKS, fetched on first use and cached per process."""

    def __init__(self, settings: OidcSettings, ca_bundle: str | None = None):
        self.settings = settings
        self.ca_bundle = ca_bundle
        self._metadata: dict | None = None
        self._metadata_at = 0.0
        self._jwks: dict | None = None
        self._jwks_at = 0.0
        self._lock = threading.Lock()
        self._http = None

    # -- the network ------------------------------------------------------------------------------
    def http(self):
        if self._http is None:
            import requests

            s = requests.Session()
            if self.ca_bundle:
                s.verify = self.ca_bundle
            s.mount("https://", _within_deadline())
            s.mount("http://", _within_deadline())
            self._http = s
        return self._http

    def get_json(self, what: str, url: str, **kwargs) -> dict:
        """GET a JSON object from the provider; ProviderUnreachable (502) when it cannot be had."""
        import requests

        try:
            answer = self.http().get(url, timeout=HTTP_TIMEOUT, allow_redirects=False, **kwargs)
        except requests.RequestException as e:
            raise _unreachable(f"the provider's {what} ({url}) cannot be reached: {type(e).__name__}") from None
        if answer.status_code != 200:
            raise _unreachable(f"the provider's {what} ({url}) answered {answer.status_code}")
        try:
            data = answer.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise _unreachable(f"the provider's {what} ({url}) is not a JSON object")
        return data

    # -- discovery and keys ----------------------------------------------------------------------
    def metadata(self) -> dict:
        now = time.monotonic()
        if self._metadata is not None and now - self._metadata_at < METADATA_SECONDS:
            return self._metadata
        with self._lock:
            if self._metadata is not None and time.monotonic() - self._metadata_at < METADATA_SECONDS:
                return self._metadata
            try:
                data = self.get_json("discovery document", self.settings.discovery_url)
                check_metadata(data, self.settings.issuer)
            except ProviderUnreachable:
                if self._metadata is not None:  # keep working on the copy we have
                    self._metadata_at = time.monotonic() - METADATA_SECONDS + 60
                    return self._metadata
                raise
            self._metadata, self._metadata_at = data, time.monotonic()
            return data

    def jwks(self, refresh: bool = False) -> dict:
        if self._jwks is None or refresh or time.monotonic() - self._jwks_at > JWKS_SECONDS:
            jwks = self.get_json("JWKS", self.metadata()["jwks_uri"])
            if not isinstance(jwks.get("keys"), list):
                raise _unreachable("the provider's JWKS has no \"keys\" list")
            self._jwks, self._jwks_at = jwks, time.monotonic()
        return self._jwks

    def algorithms(self) -> list[str]:
        advertised = self.metadata().get("id_token_signing_alg_values_supported") or ["RS256"]
        return [a for a in advertised if a in ASYMMETRIC_ALGS]

    def token_auth_method(self) -> str:
        """client_secret_basic (the OAuth default) unless the provider supports only client_secret_post."""
        supported = self.metadata().get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        if "client_secret_basic" not in supported and "client_secret_post" in supported:
            return "client_secret_post"
        return "client_secret_basic"

    def oauth(self, redirect_uri: str):
        """Authlib's OAuth 2 client for one login (PKCE S256, our client authentication)."""
        from authlib.integrations.requests_client import OAuth2Session

        s = self.settings
        client = OAuth2Session(s.client_id, s.client_secret, scope=s.scopes, redirect_uri=redirect_uri,
                               code_challenge_method="S256", token_endpoint_auth_method=self.token_auth_method())
        if self.ca_bundle:
            client.verify = self.ca_bundle
        client.mount("https://", _within_deadline())
        client.mount("http://", _within_deadline())
        return client


def check_metadata(data: dict, issuer: str) -> None:
    """The discovery document must be the configured issuer's (OpenID Connect Discovery 4.3) and name
    the endpoints the code flow needs."""
    if not isinstance(data.get("issuer"), str) or data["issuer"].rstrip("/") != issuer.rstrip("/"):
        raise _unreachable(f"the discovery document names issuer {data.get('issuer')!r}, not {issuer!r}: "
                           "check ACCESS_ES_OIDC_ISSUER")
    missing = [k for k in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not isinstance(data.get(k), str)]
    if missing:
        raise _unreachable(f"the discovery document lacks {', '.join(missing)}")


def _unreachable(reason: str) -> ProviderUnreachable:
    return ProviderUnreachable("the identity provider cannot be reached or answered something unusable; "
                               "try again in a moment", log_reason=f"oidc: {reason}")


_PROVIDER_LOCK = threading.Lock()


def provider() -> Provider:
    """The app's provider, made on first use (this module is imported only by the SSO routes)."""
    extensions = current_app.extensions
    if "access_es.oidc" not in extensions:
        with _PROVIDER_LOCK:
            if "access_es.oidc" not in extensions:
                settings = extensions["access_es.settings"]
                extensions["access_es.oidc"] = Provider(settings.oidc, settings.ca_bundle)
    return extensions["access_es.oidc"]


# -- the round trip ----------------------------------------------------------------------------------

def begin(next_path: str, redirect_uri: str) -> str:
    """Start a login: remember it in this browser's session, answer the provider's authorization URL."""
    p = provider()
    endpoint = p.metadata()["authorization_endpoint"]
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48)
    now = time.time()
    pending = {k: v for k, v in _pending().items() if now - v.get("t", 0) < LOGIN_SECONDS}
    while len(pending) >= MAX_PENDING:
        pending.pop(min(pending, key=lambda k: pending[k]["t"]))
    pending[state] = {"n": nonce, "v": verifier, "next": next_path, "r": redirect_uri, "t": now}
    session[PENDING] = pending
    url, _ = p.oauth(redirect_uri).create_authorization_url(endpoint, state=state, nonce=nonce,
                                                            code_verifier=verifier)
    return url


def _pending() -> dict:
    pending = session.get(PENDING)
    return dict(pending) if isinstance(pending, dict) else {}


def pending_next(state: str | None) -> str | None:
    """Where the login of `state` was going, if this browser started it (for a "try again" link)."""
    entry = _pending().get(state or "")
    return entry.get("next") if isinstance(entry, dict) else None


def finish(args, mark_used) -> tuple[Account, str, str | None]:
    """The callback: the account the provider vouches for (recorded), where the login was going, and
    the ID token to keep as the logout's id_token_hint (None when it is too large for the cookie).
    `mark_used(key, expires)` returns True the first time it is called with a key (the counters store).
    Raises SsoRefused, SsoTokenInvalid, SsoNotAllowed or ProviderUnreachable."""
    state = args.get("state") or ""
    pending = _pending()
    entry = pending.pop(state, None)
    session[PENDING] = pending
    if not isinstance(entry, dict):
        raise SsoRefused("this login was not started in this browser, or was finished already",
                         log_reason="oidc: state mismatch: the callback's state is not one this browser started "
                                    "(a forged or replayed callback, another browser, or an expired cookie)")
    if time.time() - entry["t"] > LOGIN_SECONDS:
        raise SsoRefused("the login took too long", log_reason="oidc: the login's state expired")
    if not mark_used("oidc-state:" + hashlib.sha256(state.encode()).hexdigest()[:32], entry["t"] + LOGIN_SECONDS):
        raise SsoRefused("this login was finished already",
                         log_reason="oidc: replayed callback: its state was used already")
    budget = _deadline.set(time.monotonic() + CALLBACK_BUDGET * HTTP_TIMEOUT)
    try:
        return _vouched_for(provider(), args, entry)
    finally:
        _deadline.reset(budget)


def _vouched_for(p: "Provider", args, entry: dict) -> tuple[Account, str, str | None]:
    """The rest of the callback, against the provider, within the callback's deadline."""
    metadata = p.metadata()
    if args.get("error"):
        error = _printable(args.get("error"), 64)
        description = _printable(args.get("error_description"), 200)
        raise SsoRefused(f"the identity provider refused the login ({error}{': ' + description if description else ''})",
                         log_reason=f"oidc: the provider answered error={error!r} description={description!r}")
    if "iss" in args and args.get("iss") != metadata["issuer"]:  # RFC 9207: a mix-up of providers
        raise SsoRefused("the answer came from another identity provider",
                         log_reason=f"oidc: the callback's iss {_printable(args.get('iss'), 100)!r} is not ours")
    code = args.get("code")
    if not code:
        raise SsoRefused("the identity provider sent no code", log_reason="oidc: callback without a code")
    token = exchange(p, metadata, code, entry)
    claims = validate_id_token(p, metadata, token.get("id_token"), entry["n"], token.get("access_token"))
    s = p.settings
    if not _has(claims, s.username_claim) or not _has(claims, s.groups_claim):
        claims = {**userinfo(p, metadata, token.get("access_token"), claims["sub"]), **claims}
    account = account_for(claims, s)
    hint = token["id_token"] if len(token["id_token"]) <= MAX_ID_TOKEN_HINT else None
    return account, entry["next"], hint


def exchange(p: Provider, metadata: dict, code: str, entry: dict) -> dict:
    """The code for tokens at the token endpoint."""
    import requests
    from authlib.integrations.base_client import OAuthError
    from authlib.oauth2.rfc6749.errors import OAuth2Error

    try:
        token = p.oauth(entry["r"]).fetch_token(metadata["token_endpoint"], grant_type="authorization_code",
                                                code=code, code_verifier=entry["v"], timeout=HTTP_TIMEOUT)
    except requests.RequestException as e:
        raise _unreachable(f"the token endpoint cannot be reached: {type(e).__name__}") from None
    except (OAuthError, OAuth2Error) as e:
        error = _printable(getattr(e, "error", None) or type(e).__name__, 64)
        description = _printable(getattr(e, "description", None), 200)
        if error in ("invalid_grant", "invalid_request"):
            raise SsoRefused("the identity provider did not accept this login's code (used already, or expired)",
                             log_reason=f"oidc: the token endpoint refused the code: {error}: {description} "
                                        "(a replayed or reused code?)") from None
        raise _unreachable(f"the token endpoint answered {error}: {description}") from None
    except ValueError as e:  # not JSON, or no access_token
        raise _unreachable(f"the token endpoint's answer is unusable ({type(e).__name__})") from None
    return token


def validate_id_token(p: Provider, metadata: dict, id_token: Any, nonce: str, access_token: Any) -> dict:
    """The ID token's claims, once joserfc has checked its signature and Authlib's CodeIDToken its claims."""
    from authlib.oidc.core import CodeIDToken
    from joserfc import jwt
    from joserfc.errors import ExpiredTokenError, InvalidClaimError, InvalidKeyIdError, JoseError, MissingClaimError
    from joserfc.jwk import KeySet

    if not isinstance(id_token, str) or not id_token:
        raise SsoTokenInvalid("the identity provider sent no ID token",
                              log_reason="oidc: no id_token in the token answer (is 'openid' among the scopes?)")
    algorithms = p.algorithms()
    if not algorithms:
        raise _unreachable("the provider advertises no ID token algorithm we accept "
                           f"({metadata.get('id_token_signing_alg_values_supported')}; we take {ASYMMETRIC_ALGS})")

    def invalid(why: str) -> SsoTokenInvalid:
        return SsoTokenInvalid("the identity provider's ID token is not valid", log_reason=f"oidc: ID token refused: {why}")

    try:
        try:
            token = jwt.decode(id_token, KeySet.import_key_set(p.jwks()), algorithms=algorithms)
        except InvalidKeyIdError:  # the provider rotated its keys: fetch them again, once
            token = jwt.decode(id_token, KeySet.import_key_set(p.jwks(refresh=True)), algorithms=algorithms)
    except ProviderUnreachable:
        raise
    except JoseError as e:
        raise invalid(f"{type(e).__name__}: {_printable(str(e), 200)}") from None
    except (ValueError, TypeError, KeyError) as e:
        raise invalid(f"malformed ({type(e).__name__})") from None

    s = p.settings
    claims = CodeIDToken(token.claims, token.header,
                         {"iss": {"essential": True, "value": metadata["issuer"]},
                          "aud": {"essential": True, "value": s.client_id}},
                         {"nonce": nonce, "client_id": s.client_id,
                          **({"access_token": access_token} if isinstance(access_token, str) else {})})
    try:
        claims.validate(leeway=LEEWAY_SECONDS)
    except ExpiredTokenError:
        raise invalid("expired (exp is past, beyond 60 s of skew)") from None
    except (InvalidClaimError, MissingClaimError) as e:
        name = getattr(e, "claim", "") or ""
        if name == "nonce" or "nonce" in str(e):
            raise SsoRefused("this login's ID token was not made for this browser's login",
                             log_reason=f"oidc: nonce mismatch ({_printable(str(e), 200)})") from None
        raise invalid(_printable(str(e), 200)) from None
    except JoseError as e:
        raise invalid(f"{type(e).__name__}: {_printable(str(e), 200)}") from None
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise invalid("no sub")
    return dict(claims)


def userinfo(p: Provider, metadata: dict, access_token: Any, sub: str) -> dict:
    """The userinfo endpoint's claims, for the same subject (OpenID Connect Core 5.3.4)."""
    endpoint = metadata.get("userinfo_endpoint")
    if not isinstance(endpoint, str) or not isinstance(access_token, str):
        return {}
    data = p.get_json("userinfo endpoint", endpoint, headers={"Authorization": f"Bearer {access_token}",
                                                                "Accept": "application/json"})
    if data.get("sub") != sub:
        raise SsoTokenInvalid("the identity provider's userinfo answer is for someone else",
                              log_reason=f"oidc: userinfo sub {_printable(str(data.get('sub')), 100)!r} is not the "
                                         f"ID token's {sub!r}")
    return data


def _has(claims: dict, name: str) -> bool:
    return claims.get(name) not in (None, "", [])


def groups_of(value: Any) -> list[str]:
    """A groups claim: a list of names, or one name (some providers send a single string)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [g for g in value if isinstance(g, str)]
    return []


def role_for(groups: list[str], s: OidcSettings) -> str | None:
    """admin for a member of an admin group, else readonly for a member of a readonly group, else None."""
    if set(groups) & set(s.admin_groups):
        return "admin"
    if set(groups) & set(s.readonly_groups):
        return "readonly"
    return None


def account_for(claims: dict, s: OidcSettings) -> Account:
    """The account of the person the claims describe, recorded in the store with this login's role.

    An SSO account belongs to the provider's subject that made it (`iss` and `sub`): another subject
    with the same name (a recycled or changed e-mail address) never logs in as it. A name from the
    `email` claim counts only when the provider does not say it is unverified. A person the provider
    no longer puts in an allowed group loses the account, and with it every session and key."""
    from .credentials import stores

    name = claims.get(s.username_claim)
    if not isinstance(name, str) or not name:
        raise SsoNotAllowed(f"the identity provider did not say who you are (no {s.username_claim!r} claim)",
                            hint="ask an administrator to check ACCESS_ES_OIDC_USERNAME_CLAIM and the scopes",
                            log_reason=f"oidc: no usable {s.username_claim!r} claim for sub {claims.get('sub')!r}")
    if s.username_claim == "email" and claims.get("email_verified") is False:
        raise SsoNotAllowed("the identity provider has not verified your e-mail address",
                            log_reason=f"oidc: {_printable(name, 80)!r} is not a verified e-mail address "
                                       f"(email_verified false, sub {_printable(claims.get('sub'), 80)!r})")
    try:
        check_name(name)
    except AccountError:
        raise SsoNotAllowed(f"your name {_printable(name, 80)!r} cannot be an account name here "
                            "(letters, digits, '.', '_', '@' or '-', at most 64)",
                            log_reason=f"oidc: {s.username_claim} {_printable(name, 80)!r} is not a valid account name") from None
    subject = f"{claims.get('iss')} {claims.get('sub')}"
    all_stores = stores()
    accounts = all_stores.accounts
    existing = accounts.get(name)
    if existing is not None and not existing.sso:
        raise SsoNotAllowed("an account with a password has your name here; ask an administrator",
                            log_reason=f"oidc: {name!r} is a password account; single sign-on may not take it over")
    if existing is not None and existing.sso_subject and existing.sso_subject != subject:
        raise SsoNotAllowed("this name belongs to another person at the identity provider; ask an administrator",
                            log_reason=f"oidc: {name!r} belongs to {existing.sso_subject!r}, not to {subject!r}")
    if existing is None:
        twin = next((a.name for a in accounts.all() if a.name.lower() == name.lower()), None)
        if twin is not None:
            raise SsoNotAllowed("an account with your name in other letter case exists here; ask an administrator",
                                log_reason=f"oidc: {name!r} differs only in case from the account {twin!r}")
    groups = groups_of(claims.get(s.groups_claim))
    role = role_for(groups, s)
    if role is None:
        if existing is not None:
            # dropped by the provider: the account goes, its sessions and keys with it
            accounts.remove(name)
            all_stores.remove_keys_of(name)
        raise SsoNotAllowed("you are not in a group that may use this site; ask for access to one of them",
                            log_reason=f"oidc: {name!r} is in no allowed group (groups: {_printable(str(groups), 300)})"
                                       + ("; the account, its sessions and keys are removed" if existing else ""))
    if existing is None:
        all_stores.remove_keys_of(name)  # keys left under this name by an account removed by hand
    account = Account(name, role, "", existing.iam_role if existing else None, sso=True, sso_subject=subject)
    if account != existing:
        accounts.put(account)
    return account


def logout_url(id_token: str | None, post_logout_redirect_uri: str) -> str | None:
    """RP-initiated logout at the provider, when its discovery document advertises end_session_endpoint."""
    from urllib.parse import urlencode

    try:
        endpoint = provider().metadata().get("end_session_endpoint")
    except ProviderUnreachable:
        return None
    if not isinstance(endpoint, str) or not endpoint:
        return None
    params = {"client_id": provider().settings.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
    if id_token:
        params["id_token_hint"] = id_token
    return endpoint + ("&" if "?" in endpoint else "?") + urlencode(params)


def login_page_of(redirect_uri: str) -> str:
    """Our login page, at the site and prefix of the redirect URL (the post-logout redirect URL)."""
    return redirect_uri[: -len(OIDC_CALLBACK)] + "/_access-es/login"


def _printable(value: Any, limit: int) -> str:
    text = "" if value is None else str(value)
    return "".join(c if c.isprintable() else "?" for c in text)[:limit]
