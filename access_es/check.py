"""`access-es check`: verify a configuration end to end, and say how to fix what fails.

Each check prints one line, `ok`, `warn` or `FAIL`, and for a failure the fix. Run it where the proxy
runs (or with the same role and environment): credentials resolve, a signed `GET /` on the endpoint
succeeds (and with each IAM role of ACCESS_ES_IAM_ROLES, assumed), the overflow bucket takes a put and serves it back through a presigned GET, the accounts
store is readable, and with single sign-on the provider's discovery document and JWKS are reachable and
the redirect URL people will see is printed. Exit status 0 when nothing failed, 1 otherwise, 2 for unusable settings.
"""
from __future__ import annotations

import sys
import uuid
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

from .errors import describe_aws_error


@dataclass
class Result:
    status: str   # "ok", "warn", "FAIL"
    name: str
    detail: str
    fix: str = ""


def _line(r: Result) -> str:
    text = f"[{r.status:<4}] {r.name}: {r.detail}"
    if r.fix:
        text += f"\n       fix: {r.fix}"
    return text


def check_credentials(settings) -> Result:
    from .signing import default_credentials

    creds = default_credentials()
    if creds is None:
        return Result("FAIL", "credentials", "no AWS credentials found",
                      "attach a role to the function, or set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")
    try:
        import boto3

        arn = boto3.client("sts", region_name=settings.region).get_caller_identity()["Arn"]
    except Exception as e:
        return Result("FAIL", "credentials", f"the keys do not work with STS: {describe_aws_error(e)}",
                      "check the keys are current (an expired session token?) and STS is reachable")
    return Result("ok", "credentials", f"signing as {arn}")


def check_upstream(settings) -> Result:
    from .proxy.upstream import Upstream
    from .signing import signer_for

    upstream = Upstream(settings.endpoint, settings.endpoint_host, signer_for(settings),
                        min(settings.upstream_timeout, 15), ca_bundle=settings.ca_bundle,
                        proxy=settings.upstream_proxy)
    try:
        answer = upstream.send("GET", "/", "", [("Accept", "application/json")], b"")
    except Exception as e:
        reason = getattr(e, "reason", None) or describe_aws_error(e)
        return Result("FAIL", "upstream", f"GET {settings.endpoint}/ failed: {reason}",
                      "check ACCESS_ES_ENDPOINT; a VPC domain needs the function in that VPC with a security "
                      "group that allows 443")
    body = answer.body or b""
    if answer.status == 200:
        import json

        from .access import products_for

        try:
            info = json.loads(body)
            version = info.get("version", {})
            detail = f"{info.get('cluster_name', '?')} ({version.get('distribution', 'elasticsearch')} " \
                     f"{version.get('number', '?')})"
            products = products_for(info)
        except (ValueError, AttributeError):
            detail, products = "answered 200", None
        judged = ", ".join(products) if products else "every product (the banner names no version we know)"
        return Result("ok", "upstream", f"signed GET / answered: {detail}; readonly requests judged as {judged}")
    text = body[:200].decode("utf-8", "replace")
    if answer.status == 403:
        return Result("FAIL", "upstream", f"403 from the domain: {text}",
                      "allow the role in the domain's access policy (es:ESHttp* on the domain), and with "
                      "fine-grained access control map it to a backend role (e.g. all_access); for "
                      "ACCESS_ES_SERVICE=aoss, a data access policy; check ACCESS_ES_REGION/SERVICE")
    return Result("FAIL", "upstream", f"GET / answered {answer.status}: {text}", "see the domain's status")


def check_iam_roles(settings) -> list[Result]:
    """Each IAM role of ACCESS_ES_IAM_ROLES: assumed, a signed GET / with its keys, and who the
    domain's fine-grained access control takes it for (its security plugin's account API)."""
    import json

    from .accounts import ROLES, Account
    from .iam_roles import role_name
    from .proxy.upstream import Upstream
    from .signing import signer_for

    upstream = Upstream(settings.endpoint, settings.endpoint_host, signer_for(settings),
                        min(settings.upstream_timeout, 15), ca_bundle=settings.ca_bundle,
                        proxy=settings.upstream_proxy)
    out = []
    unmapped = [role for role in ROLES if settings.iam_roles and not settings.iam_role_of(role)]
    for role in unmapped:
        out.append(Result("warn", f"IAM role for {role}", f"ACCESS_ES_IAM_ROLES names no IAM role for {role}: its "
                          "accounts (without one of their own) are signed as the proxy itself, usually the "
                          "domain's most privileged identity", f"map {role} too, e.g. {role}=arn:aws:iam::"
                          f"ACCOUNT_ID:role/es-{role}"))
    for role, arn in settings.iam_roles:
        name = f"IAM role for {role} ({role_name(arn)})"
        probe = Account("access-es-check", role, "")  # the role's session name in CloudTrail
        try:
            answer = upstream.send("GET", "/", "", [("Accept", "application/json")], b"", identity=probe)
        except Exception as e:
            out.append(Result("FAIL", name, getattr(e, "reason", None) or describe_aws_error(e),
                              getattr(e, "hint", None) or ""))
            continue
        if answer.status != 200:
            text = (answer.body or b"")[:200].decode("utf-8", "replace")
            out.append(Result("FAIL", name, f"assumed; signed GET / answered {answer.status}: {text}",
                              f"allow {arn} in the domain's access policy (es:ESHttp*), and with fine-grained "
                              "access control map it to a backend role"))
            continue
        seen_as = "fine-grained access control did not say who it is (off, or no security plugin)"
        for path in ("/_plugins/_security/api/account", "/_opendistro/_security/api/account"):
            try:
                account = upstream.send("GET", path, "", [("Accept", "application/json")], b"", identity=probe)
                info = json.loads(account.body or b"{}") if account.status == 200 else None
            except Exception:
                info = None
            if isinstance(info, dict) and "user_name" in info:
                seen_as = (f"the domain sees user {info.get('user_name')} with backend roles "
                           f"{info.get('backend_roles', [])} and roles {info.get('roles', [])}")
                break
        out.append(Result("ok", name, f"assumed {arn}; signed GET / answered 200; {seen_as}"))
    return out


def check_bucket(settings) -> Result:
    if not settings.overflow_bucket:
        return Result("warn", "overflow bucket", "ACCESS_ES_OVERFLOW_BUCKET is not set: on Lambda, answers over "
                      "6,291,556 bytes will be refused with a 502",
                      "create one with `access-es bucket setup BUCKET --origin ... --role-arn ...` and set it")
    import requests

    from .overflow.store import OverflowStore

    store = OverflowStore(settings.overflow_bucket, settings.overflow_prefix + "access-es-check/",
                          settings.overflow_expires)
    payload = f"access-es check {uuid.uuid4()}".encode()
    try:
        stored = store.put([payload], "/check.txt", "text/plain", None)
    except Exception as e:
        return Result("FAIL", "overflow bucket", getattr(e, "reason", None) or describe_aws_error(e),
                      f"the role needs s3:PutObject on arn:aws:s3:::{settings.overflow_bucket}/"
                      f"{settings.overflow_prefix}*; see `access-es bucket setup`")
    try:
        got = requests.get(stored.url, timeout=15)
    except requests.RequestException as e:
        return Result("FAIL", "overflow bucket", f"the presigned GET failed: {describe_aws_error(e)}", "")
    if got.status_code != 200 or got.content != payload:
        return Result("FAIL", "overflow bucket", f"the presigned GET answered {got.status_code}",
                      "the role needs s3:GetObject on the prefix; presigned URLs act with the role's rights")
    return Result("ok", "overflow bucket", f"s3://{settings.overflow_bucket}/{stored.key} written and read back "
                  "through a presigned URL (it expires with the bucket's lifecycle)")


def check_accounts(settings) -> Result:
    from .stores import open_stores

    try:
        accounts = list(open_stores(settings.users, settings.aws_region).accounts.all())
    except Exception as e:
        return Result("FAIL", "accounts", getattr(e, "reason", None) or describe_aws_error(e),
                      "create the store with `access-es users init`; the role needs access to the table")
    if not accounts:
        return Result("warn", "accounts", f"{settings.users} has no accounts: nobody can log in",
                      "access-es users add NAME --role admin")
    admins = sum(1 for a in accounts if a.role == "admin")
    return Result("ok", "accounts", f"{settings.users}: {len(accounts)} account(s), {admins} admin(s)")


def check_url(settings, url: str | None) -> list[Result]:
    out = []
    if urlsplit(settings.endpoint).scheme == "http" and urlsplit(settings.endpoint).hostname not in (
            "127.0.0.1", "localhost", "::1"):
        out.append(Result("warn", "endpoint", "ACCESS_ES_ENDPOINT is plain http to a remote host",
                          "use the domain's https:// endpoint"))
    if url:
        parts = urlsplit(url)
        if "execute-api" in (parts.hostname or "") and parts.path.strip("/"):
            out.append(Result("warn", "public URL", f"{url} is an execute-api stage URL: Kibana and Dashboards "
                              "pages use absolute paths (/_plugin/kibana/..., /_dashboards/...) and break under a "
                              "stage prefix; this URL serves API clients only",
                              "give browsers a custom domain mapped to the stage at its root "
                              "(zappa certify, or API Gateway custom domain names)"))
        elif parts.scheme != "https":
            out.append(Result("warn", "public URL", f"{url} is not https: session cookies would not be Secure",
                              "serve the proxy over HTTPS"))
        else:
            out.append(Result("ok", "public URL", f"{url} serves browsers at the root of its host"))
    return out


def check_sso(settings, url: str | None) -> list[Result]:
    """ACCESS_ES_OIDC_*: the provider's discovery document and JWKS reachable and usable, and the
    redirect URL people's browsers will be sent back to (the one to register at the provider)."""
    from .auth.oidc import ASYMMETRIC_ALGS, Provider, login_page_of
    from .errors import ProviderUnreachable
    from .settings import OIDC_CALLBACK

    s = settings.oidc
    provider = Provider(s, settings.ca_bundle)
    try:
        metadata = provider.metadata()
    except ProviderUnreachable as e:
        return [Result("FAIL", "SSO provider", e.log_reason.removeprefix("oidc: "),
                       f"check ACCESS_ES_OIDC_ISSUER ({s.issuer}) and that this host can reach it over HTTPS")]
    out = [Result("ok", "SSO provider", f"{s.discovery_url} read: issuer {metadata['issuer']}, client "
                  f"authentication {provider.token_auth_method()}"
                  + (", RP-initiated logout" if metadata.get("end_session_endpoint") else ", no end_session_endpoint "
                     "(logout ends our session only)"))]
    try:
        keys = provider.jwks()["keys"]
    except ProviderUnreachable as e:
        out.append(Result("FAIL", "SSO keys", e.log_reason.removeprefix("oidc: "), "the provider's jwks_uri must be "
                          "reachable from here"))
    else:
        algorithms = provider.algorithms()
        if not keys or not algorithms:
            out.append(Result("FAIL", "SSO keys", f"{len(keys)} key(s) in the JWKS; ID token algorithms we accept "
                              f"among those advertised: {algorithms or 'none'}",
                              f"have the provider sign ID tokens with one of {', '.join(ASYMMETRIC_ALGS)}"))
        else:
            out.append(Result("ok", "SSO keys", f"{metadata['jwks_uri']}: {len(keys)} key(s); ID tokens accepted "
                              f"signed with {', '.join(algorithms)}"))
    if s.redirect_url:
        redirect = s.redirect_url
    elif url:
        redirect = url.rstrip("/") + OIDC_CALLBACK
    else:
        out.append(Result("warn", "SSO redirect URL", "derived from each request's host and scheme (under "
                          f"its mount prefix): ...{OIDC_CALLBACK}",
                          "run `access-es check --url https://YOUR-SITE` to see it, or set ACCESS_ES_OIDC_REDIRECT_URL"))
        return out
    logout = login_page_of(redirect)
    if urlsplit(redirect).scheme != "https" and urlsplit(redirect).hostname not in ("127.0.0.1", "localhost", "::1"):
        out.append(Result("warn", "SSO redirect URL", f"{redirect} is not https: providers refuse it and cookies "
                          "would not be Secure", "serve the proxy over HTTPS (ACCESS_ES_TRUST_PROXY behind a TLS proxy)"))
    else:
        out.append(Result("ok", "SSO redirect URL", f"people come back to {redirect}: register it at the provider "
                          f"as a redirect URI (and {logout} as a post-logout redirect URI)"))
    return out


def run_check(url: str | None = None, out: Callable[[str], None] = print) -> int:
    from .settings import ConfigError, load_settings

    try:
        settings = load_settings()
    except ConfigError as e:
        out(str(e))
        return 2
    out(f"access-es check: {settings.endpoint} ({settings.service}, {settings.region})")
    results = [check_credentials(settings)]
    results.append(check_upstream(settings) if results[0].status == "ok" else
                   Result("FAIL", "upstream", "not tried without working credentials"))
    if results[0].status == "ok":
        results += check_iam_roles(settings)
    results += [check_bucket(settings), check_accounts(settings)] + check_url(settings, url)
    if settings.oidc is not None:
        results += check_sso(settings, url)
    for r in results:
        out(_line(r))
    failed = sum(r.status == "FAIL" for r in results)
    out(f"{failed} check(s) failed" if failed else "all checks passed")
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run_check())
