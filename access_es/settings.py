"""Configuration: read once from the environment, validated all at once, frozen.

This is the one module that reads the environment: the ACCESS_ES_* settings, and the standard
variables our own code acts on (AWS_REGION for the S3 and DynamoDB clients, the CA bundle and
outbound proxy of the upstream connection, the Lambda runtime's AWS_LAMBDA_FUNCTION_NAME and
AWS_EXECUTION_ENV). Variables boto3 reads by itself
(credentials, AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_*) are left to it. Each default is written once,
here.

Every problem is collected before anything is reported, so an operator fixes a deployment in one
round instead of one error per restart (the shape oauth2-proxy's pkg/validation taught us).
The `users` and `bucket` commands need only a piece of the configuration, not a whole proxy's:
they call the readers below (users_location, key_max_days, overflow_prefix, aws_region) that
load_settings uses.
"""
from __future__ import annotations

import functools
import math
import os
import re
from dataclasses import dataclass, field
from typing import Mapping
from urllib.parse import urlsplit

DEFAULT_USERS = "users.json"
DEFAULT_UPSTREAM_TIMEOUT = 28.0  # API Gateway gives up at 29 s; answer before it does.
DEFAULT_HOME = "/_dashboards/"
DEFAULT_OVERFLOW_PREFIX = "overflow/"
# name: (default, low, high, what it is)
INTEGER_SETTINGS = {
    "ACCESS_ES_SESSION_HOURS": (12, 1, 24 * 30, "hours a login lasts, however active"),
    "ACCESS_ES_IDLE_MINUTES": (60, 1, 24 * 60 * 30, "minutes without a request that end a session"),
    "ACCESS_ES_THROTTLE_ACCOUNT": (5, 1, 10_000, "failed logins for one account from one address per window before 429 (ten times that from anywhere)"),
    "ACCESS_ES_THROTTLE_ADDRESS": (20, 1, 100_000, "failed logins per client address per window before 429"),
    "ACCESS_ES_THROTTLE_MINUTES": (15, 1, 24 * 60, "length of the throttling window in minutes"),
    "ACCESS_ES_TRUST_PROXY": (0, 0, 5, "reverse proxies in front whose X-Forwarded-For/-Proto to trust"),
    "ACCESS_ES_OVERFLOW_EXPIRES": (60, 1, 7 * 24 * 3600, "seconds a presigned overflow URL stays valid"),
    "ACCESS_ES_IAM_ROLE_SECONDS": (3600, 900, 43200, "seconds the temporary credentials of an assumed IAM role last"),
    "ACCESS_ES_KEY_MAX_DAYS": (90, 1, 3650, "days an API key lives at most, and by default"),
}
# S3 bucket names: 3-63 lower-case letters, digits, dots and hyphens, starting and ending alphanumeric.
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
SERVICES = ("es", "aoss")

# search-mydomain-abc.us-east-1.es.amazonaws.com, vpc-...es.amazonaws.com, xyz.us-west-2.aoss.amazonaws.com,
# and the China partition's .amazonaws.com.cn.
_AWS_HOST = re.compile(
    r"(?:^|\.)(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)\.(?P<service>es|aoss)\.amazonaws\.com(?:\.cn)?$"
)


class ConfigError(Exception):
    """One or more settings are missing or wrong; str() lists every one of them."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"access-es cannot start; fix these settings:\n{lines}")


@dataclass(frozen=True)
class Settings:
    endpoint: str          # scheme://host[:port], no trailing slash
    region: str
    service: str           # "es" or "aoss"
    secret_key: str
    users: str             # where accounts live: a JSON file path or dynamodb://TABLE
    upstream_timeout: float
    home: str              # where a browser landing on "/" is sent
    session_hours: int
    idle_minutes: int
    throttle_account: int
    throttle_address: int
    throttle_minutes: int
    trust_proxy: int       # X-Forwarded-* hops to trust (API Gateway, a load balancer)
    overflow_bucket: str | None     # S3 bucket for answers too large for Lambda
    overflow_prefix: str
    overflow_expires: int           # presigned URL lifetime, seconds
    overflow_size: int | None       # a forced threshold in body bytes instead of the Lambda rule
    aws_region: str | None          # AWS_REGION for the S3 and DynamoDB clients (None: botocore's chain)
    ca_bundle: str | None           # CA certificates for an https upstream (None: certifi's)
    upstream_proxy: str | None      # outbound proxy URL for the upstream (None: connect directly)
    on_lambda: bool                 # running in AWS Lambda (the envelope size rule applies)
    lambda_runtime: str             # AWS_EXECUTION_ENV, e.g. AWS_Lambda_python3.11 ("" off Lambda)
    iam_roles: tuple[tuple[str, str], ...]  # (access-es role, IAM role ARN) to sign its requests as
    iam_role_seconds: int           # lifetime of the assumed roles' credentials
    key_max_days: int               # an API key's default and maximum lifetime, days
    oidc: OidcSettings | None = None  # single sign-on with an OpenID provider (None: off)
    password_login: bool = True     # ACCESS_ES_PASSWORD_LOGIN: the form and Basic with a password

    @functools.cached_property
    def iam_role_map(self) -> dict[str, str]:
        """ACCESS_ES_IAM_ROLES as a mapping, access-es role -> IAM role ARN (made once)."""
        return dict(self.iam_roles)

    def iam_role_of(self, role: str) -> str | None:
        """The IAM role ARN that signs for an access-es role (ACCESS_ES_IAM_ROLES), if any."""
        return self.iam_role_map.get(role)

    @property
    def endpoint_host(self) -> str:
        """The Host header the upstream expects (and that is signed)."""
        return urlsplit(self.endpoint).netloc


DEFAULT_OIDC_SCOPES = "openid email profile"
DEFAULT_OIDC_USERNAME_CLAIM = "email"
DEFAULT_OIDC_GROUPS_CLAIM = "groups"
OIDC_CALLBACK = "/_access-es/oidc/callback"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class OidcSettings:
    """Single sign-on with an OpenID provider (ACCESS_ES_OIDC_*): access_es/auth/oidc.py."""
    issuer: str                      # exactly as the provider's discovery document says it (no trailing '/')
    client_id: str
    client_secret: str = field(repr=False)
    scopes: str = DEFAULT_OIDC_SCOPES
    username_claim: str = DEFAULT_OIDC_USERNAME_CLAIM
    groups_claim: str = DEFAULT_OIDC_GROUPS_CLAIM
    admin_groups: tuple[str, ...] = ()
    readonly_groups: tuple[str, ...] = ()
    redirect_url: str | None = None  # None: this site's /_access-es/oidc/callback under the mount prefix

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def region_from_host(host: str) -> str | None:
    m = _AWS_HOST.search(host.lower())
    return m.group("region") if m else None


def service_from_host(host: str) -> str:
    m = _AWS_HOST.search(host.lower())
    return m.group("service") if m else "es"


SECRET_SOURCES = ("ssm:", "secretsmanager:")


def fetch_secret(reference: str, env: Mapping[str, str]) -> str:
    """`ssm:/path/to/parameter` (a SecureString is decrypted) or `secretsmanager:name-or-arn`, read
    once at start-up with the function's own credentials, so the key need not sit in the
    function's environment. Raises ValueError saying what failed and what the role needs."""
    import boto3

    from .errors import aws_error_code

    source, _, name = reference.partition(":")
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None
    try:
        if source == "ssm":
            value = boto3.client("ssm", region_name=region).get_parameter(Name=name, WithDecryption=True)[
                "Parameter"]["Value"]
        else:
            value = boto3.client("secretsmanager", region_name=region).get_secret_value(SecretId=name)[
                "SecretString"]
    except Exception as e:
        code = aws_error_code(e)
        needs = "ssm:GetParameter (and kms:Decrypt for a SecureString)" if source == "ssm" else \
            "secretsmanager:GetSecretValue"
        raise ValueError(f"cannot read {reference!r} ({code or type(e).__name__}); the role needs {needs}") from None
    return value.strip()


def users_location(env: Mapping[str, str] | None = None) -> str:
    """Where accounts live; the `users` commands need only this, not a whole proxy configuration."""
    env = os.environ if env is None else env
    return env.get("ACCESS_ES_USERS", "").strip() or DEFAULT_USERS


def key_max_days(env: Mapping[str, str] | None = None) -> int:
    """An API key's default and maximum lifetime in days (the `keys` commands need only this);
    ConfigError when it is not a whole number in range."""
    env = os.environ if env is None else env
    default, low, high, meaning = INTEGER_SETTINGS["ACCESS_ES_KEY_MAX_DAYS"]
    raw = env.get("ACCESS_ES_KEY_MAX_DAYS", "").strip()
    try:
        days = int(raw) if raw else default
    except ValueError:
        days = low - 1
    if not low <= days <= high:
        raise ConfigError([f"ACCESS_ES_KEY_MAX_DAYS={raw!r} must be a whole number from {low} to {high} ({meaning})"])
    return days


def overflow_prefix(env: Mapping[str, str] | None = None) -> str:
    """The key prefix of overflow objects (`bucket setup` needs only this)."""
    env = os.environ if env is None else env
    return env.get("ACCESS_ES_OVERFLOW_PREFIX", DEFAULT_OVERFLOW_PREFIX)


def aws_region(env: Mapping[str, str] | None = None) -> str | None:
    """The region of the S3 and DynamoDB clients: AWS_REGION (what Lambda and our docs set), which
    botocore does not read by itself; None leaves it to botocore's chain (AWS_DEFAULT_REGION, the
    profile)."""
    env = os.environ if env is None else env
    return env.get("AWS_REGION", "").strip() or None


def ca_bundle(env: Mapping[str, str]) -> str | None:
    """REQUESTS_CA_BUNDLE, else AWS_CA_BUNDLE: the CA certificates an https upstream is verified
    against (as requests and botocore honour them); None for certifi's public CAs."""
    return env.get("REQUESTS_CA_BUNDLE") or env.get("AWS_CA_BUNDLE") or None


def outbound_proxy(endpoint: str, env: Mapping[str, str]) -> str | None:
    """The proxy for the endpoint's scheme (HTTPS_PROXY, HTTP_PROXY or ALL_PROXY, NO_PROXY
    honoured), read as urllib.request.getproxies_environment reads os.environ (a lower-case
    name wins) so that requests' and urllib's users find the behaviour they know."""
    proxies: dict[str, str] = {}
    for name, value in env.items():
        if value and name.lower().endswith("_proxy"):
            proxies[name.lower()[:-6]] = value
    if "REQUEST_METHOD" in env:  # a CGI script: HTTP_PROXY may be a client's Proxy header
        proxies.pop("http", None)
    for name, value in env.items():
        if name[-6:] == "_proxy":
            if value:
                proxies[name[:-6].lower()] = value
            else:
                proxies.pop(name[:-6].lower(), None)
    parts = urlsplit(endpoint)
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy:
        return None
    from urllib.request import proxy_bypass_environment  # only with a proxy set (a cold start's few ms)

    if proxy_bypass_environment(parts.hostname or "", proxies):
        return None
    return proxy


def is_local_path(value: str) -> bool:
    """A same-site absolute path: starts with one "/" and cannot be read as another host."""
    return (
        value.startswith("/")
        and not value.startswith("//")
        and "\\" not in value
        and not any(c < " " or c == "\x7f" for c in value)
    )


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Parse and validate; raise ConfigError naming every problem."""
    env = os.environ if env is None else env
    problems: list[str] = []

    def get(name: str) -> str:
        return env.get(name, "").strip()

    endpoint = get("ACCESS_ES_ENDPOINT").rstrip("/")
    host = ""
    if not endpoint:
        problems.append(
            "ACCESS_ES_ENDPOINT is required: the domain's URL, "
            "e.g. https://search-mydomain-abc123.us-east-1.es.amazonaws.com"
        )
    else:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            problems.append(
                f"ACCESS_ES_ENDPOINT={endpoint!r} is not an http(s) URL with a host "
                "(use https://search-....es.amazonaws.com; http:// only for a local stand-in)"
            )
        elif parts.path or parts.query or parts.fragment or parts.username or parts.password:
            problems.append(
                f"ACCESS_ES_ENDPOINT={endpoint!r} must be only scheme://host[:port], "
                "without a path, query, fragment or user name"
            )
        else:
            try:
                parts.port
            except ValueError:
                problems.append(f"ACCESS_ES_ENDPOINT={endpoint!r} has an invalid port")
            else:
                host = parts.hostname or ""

    region = get("ACCESS_ES_REGION") or (host and region_from_host(host)) or get("AWS_REGION") \
        or get("AWS_DEFAULT_REGION")
    if not region:
        problems.append(
            "ACCESS_ES_REGION is needed: it could not be read from the endpoint's host name and neither "
            "AWS_REGION nor AWS_DEFAULT_REGION is set (e.g. ACCESS_ES_REGION=us-east-1)"
        )
    elif not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d+", region):
        problems.append(f"ACCESS_ES_REGION={region!r} is not an AWS region name (e.g. us-east-1)")

    service = get("ACCESS_ES_SERVICE") or service_from_host(host)
    if service not in SERVICES:
        problems.append(
            f"ACCESS_ES_SERVICE={service!r} must be 'es' (OpenSearch Service / Elasticsearch) "
            "or 'aoss' (OpenSearch Serverless)"
        )

    secret_key = env.get("ACCESS_ES_SECRET_KEY", "")
    if secret_key.startswith(SECRET_SOURCES):
        try:
            secret_key = fetch_secret(secret_key, env)
        except ValueError as e:
            problems.append(f"ACCESS_ES_SECRET_KEY: {e}")
            secret_key = "x" * 32  # reported above; keep the length check quiet
    if not secret_key:
        problems.append(
            "ACCESS_ES_SECRET_KEY is required: a random key that signs session cookies, e.g. "
            "the output of: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    elif len(secret_key) < 16:
        problems.append("ACCESS_ES_SECRET_KEY is too short: use at least 16 random characters (32 is better)")

    users = users_location(env)
    if users.startswith("dynamodb://") and not re.fullmatch(r"[A-Za-z0-9_.-]{3,255}", users[len("dynamodb://"):]):
        problems.append(f"ACCESS_ES_USERS={users!r}: a DynamoDB table name has 3-255 letters, digits, '_', '-' or '.'")

    raw_timeout = get("ACCESS_ES_UPSTREAM_TIMEOUT")
    timeout = DEFAULT_UPSTREAM_TIMEOUT
    if raw_timeout:
        try:
            timeout = float(raw_timeout)
        except ValueError:
            timeout = -1.0
        if not (math.isfinite(timeout) and 0 < timeout <= 900):
            problems.append(
                f"ACCESS_ES_UPSTREAM_TIMEOUT={raw_timeout!r} must be a number of seconds between 0 and 900 "
                "(keep it under 29 behind API Gateway)"
            )

    home = get("ACCESS_ES_HOME") or DEFAULT_HOME
    if not is_local_path(home):
        problems.append(
            f"ACCESS_ES_HOME={home!r} must be a path on this site starting with a single '/', "
            "e.g. /_dashboards/ or /_plugin/kibana/"
        )

    integers = {}
    for name, (default, low, high, meaning) in INTEGER_SETTINGS.items():
        raw = get(name)
        integers[name] = default
        if raw:
            try:
                integers[name] = int(raw)
            except ValueError:
                integers[name] = low - 1
            if not low <= integers[name] <= high:
                problems.append(f"{name}={raw!r} must be a whole number from {low} to {high} ({meaning})")

    bucket = get("ACCESS_ES_OVERFLOW_BUCKET") or None
    if bucket and not _BUCKET.fullmatch(bucket):
        problems.append(f"ACCESS_ES_OVERFLOW_BUCKET={bucket!r} is not an S3 bucket name (3-63 lower-case "
                        "letters, digits, '.' and '-'; a name, not an ARN or URL)")
    prefix = overflow_prefix(env)
    if prefix.startswith("/") or any(c < " " for c in prefix) or len(prefix) > 512:
        problems.append(f"ACCESS_ES_OVERFLOW_PREFIX={prefix!r} must be an S3 key prefix such as 'overflow/' "
                        "(no leading '/')")
    raw_size = get("ACCESS_ES_OVERFLOW_SIZE")
    overflow_size = None
    if raw_size:
        try:
            overflow_size = int(raw_size)
        except ValueError:
            overflow_size = -1
        if overflow_size < 0:
            problems.append(f"ACCESS_ES_OVERFLOW_SIZE={raw_size!r} must be a whole number of body bytes "
                            "(leave it unset for the exact Lambda rule)")

    iam_roles = parse_iam_roles(get("ACCESS_ES_IAM_ROLES"), problems)
    oidc = parse_oidc(env, problems)
    password_login = get("ACCESS_ES_PASSWORD_LOGIN").lower() or "on"
    if password_login not in ("on", "off"):
        problems.append(f"ACCESS_ES_PASSWORD_LOGIN={password_login!r} must be 'on' (the login form and Basic with "
                        "a password) or 'off' (single sign-on only; API keys still work)")

    if problems:
        raise ConfigError(problems)
    return Settings(
        endpoint=endpoint,
        region=region,
        service=service,
        secret_key=secret_key,
        users=users,
        upstream_timeout=timeout,
        home=home,
        session_hours=integers["ACCESS_ES_SESSION_HOURS"],
        idle_minutes=integers["ACCESS_ES_IDLE_MINUTES"],
        throttle_account=integers["ACCESS_ES_THROTTLE_ACCOUNT"],
        throttle_address=integers["ACCESS_ES_THROTTLE_ADDRESS"],
        throttle_minutes=integers["ACCESS_ES_THROTTLE_MINUTES"],
        trust_proxy=integers["ACCESS_ES_TRUST_PROXY"],
        overflow_bucket=bucket,
        overflow_prefix=prefix,
        overflow_expires=integers["ACCESS_ES_OVERFLOW_EXPIRES"],
        overflow_size=overflow_size,
        aws_region=aws_region(env),
        ca_bundle=ca_bundle(env),
        upstream_proxy=outbound_proxy(endpoint, env),
        on_lambda=bool(env.get("AWS_LAMBDA_FUNCTION_NAME")),
        lambda_runtime=env.get("AWS_EXECUTION_ENV", ""),
        iam_roles=iam_roles,
        iam_role_seconds=integers["ACCESS_ES_IAM_ROLE_SECONDS"],
        key_max_days=integers["ACCESS_ES_KEY_MAX_DAYS"],
        oidc=oidc,
        password_login=password_login != "off",
    )


def _http_url_problem(name: str, value: str) -> str | None:
    """Why `value` cannot be a provider's or our own URL: https, or http:// on a loopback host only."""
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username or parts.password \
            or parts.query or parts.fragment:
        return f"{name}={value!r} must be an https:// URL (without user, query or fragment)"
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        return f"{name}={value!r} must use https:// (http:// only for a provider on this machine, for testing)"
    return None


def parse_oidc(env: Mapping[str, str], problems: list[str]) -> OidcSettings | None:
    """ACCESS_ES_OIDC_*: None when ACCESS_ES_OIDC_ISSUER is unset. Every variable is read either way, so
    that one left behind without the issuer is reported rather than silently ignored."""
    raw = {name: env.get(f"ACCESS_ES_OIDC_{name}", "").strip() for name in (
        "ISSUER", "CLIENT_ID", "CLIENT_SECRET", "SCOPES", "USERNAME_CLAIM", "GROUPS_CLAIM", "ADMIN_GROUPS",
        "READONLY_GROUPS", "REDIRECT_URL")}
    issuer = raw["ISSUER"]
    if not issuer:
        stray = [f"ACCESS_ES_OIDC_{n}" for n, v in raw.items() if v]
        if stray:
            problems.append(f"{', '.join(stray)} set without ACCESS_ES_OIDC_ISSUER: set the provider's issuer URL "
                            "to turn single sign-on on, or unset them")
        return None
    problem = _http_url_problem("ACCESS_ES_OIDC_ISSUER", issuer)
    if problem:
        problems.append(problem + ", e.g. https://company.okta.com or "
                        "https://login.microsoftonline.com/TENANT_ID/v2.0")
    if not raw["CLIENT_ID"]:
        problems.append("ACCESS_ES_OIDC_CLIENT_ID is required with ACCESS_ES_OIDC_ISSUER: the client id the "
                        "provider gave access-es when it was registered")
    secret = raw["CLIENT_SECRET"]
    if secret.startswith(SECRET_SOURCES):
        try:
            secret = fetch_secret(secret, env)
        except ValueError as e:
            problems.append(f"ACCESS_ES_OIDC_CLIENT_SECRET: {e}")
            secret = "unreadable"
    if not secret:
        problems.append("ACCESS_ES_OIDC_CLIENT_SECRET is required with ACCESS_ES_OIDC_ISSUER: the client secret "
                        "(or an ssm:/... or secretsmanager:... reference to it)")
    scopes = " ".join(raw["SCOPES"].split()) or DEFAULT_OIDC_SCOPES
    if "openid" not in scopes.split():
        problems.append(f"ACCESS_ES_OIDC_SCOPES={scopes!r} must include 'openid' (e.g. 'openid email profile')")
    groups = {}
    for name in ("ADMIN_GROUPS", "READONLY_GROUPS"):
        groups[name] = tuple(dict.fromkeys(g.strip() for g in raw[name].split(",") if g.strip()))
    if not groups["ADMIN_GROUPS"] and not groups["READONLY_GROUPS"]:
        problems.append("ACCESS_ES_OIDC_ADMIN_GROUPS or ACCESS_ES_OIDC_READONLY_GROUPS is needed with "
                        "ACCESS_ES_OIDC_ISSUER (comma-separated group names): nobody else may log in with SSO")
    redirect = raw["REDIRECT_URL"] or None
    if redirect:
        problem = _http_url_problem("ACCESS_ES_OIDC_REDIRECT_URL", redirect)
        if problem:
            problems.append(problem)
        elif not urlsplit(redirect).path.endswith(OIDC_CALLBACK):
            problems.append(f"ACCESS_ES_OIDC_REDIRECT_URL={redirect!r} must end with {OIDC_CALLBACK} (the route "
                            "that takes the provider's answer), e.g. https://kibana.example.com" + OIDC_CALLBACK)
    return OidcSettings(
        issuer=issuer, client_id=raw["CLIENT_ID"], client_secret=secret, scopes=scopes,
        username_claim=raw["USERNAME_CLAIM"] or DEFAULT_OIDC_USERNAME_CLAIM,
        groups_claim=raw["GROUPS_CLAIM"] or DEFAULT_OIDC_GROUPS_CLAIM,
        admin_groups=groups["ADMIN_GROUPS"], readonly_groups=groups["READONLY_GROUPS"], redirect_url=redirect,
    )


def parse_iam_roles(value: str, problems: list[str]) -> tuple[tuple[str, str], ...]:
    """`admin=arn:aws:iam::111122223333:role/es-admin,readonly=arn:...:role/es-readonly`, either or both."""
    from .accounts import IAM_ROLE_ARN, ROLES

    mapping: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        role, sep, arn = (x.strip() for x in item.partition("="))
        if not sep or role not in ROLES:
            problems.append(f"ACCESS_ES_IAM_ROLES: {item!r} must be ROLE=ARN with ROLE one of {', '.join(ROLES)}, "
                            "e.g. readonly=arn:aws:iam::111122223333:role/es-readonly")
        elif role in mapping:
            problems.append(f"ACCESS_ES_IAM_ROLES names {role!r} twice")
        elif not IAM_ROLE_ARN.fullmatch(arn):
            problems.append(f"ACCESS_ES_IAM_ROLES: {arn!r} (for {role}) is not an IAM role ARN "
                            "(arn:aws:iam::ACCOUNT_ID:role/NAME)")
        else:
            mapping[role] = arn
    return tuple(sorted(mapping.items()))
