"""A real OpenID provider on loopback for the tests: testbed/oidc/provider.mjs (the npm package
oidc-provider, OpenID Certified) under Node, and a person's trip through it with requests.

`make test` installs it (`npm ci` in testbed/oidc); where Node or npm is missing or the install fails,
ensure_installed() says why and the tests that need it are skipped with that reason.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import requests

HERE = Path(__file__).parent / "oidc"
CLIENT_ID = "access-es"
CLIENT_SECRET = "access-es-test-client-secret-0123456789"
OTHER_CLIENT_ID = "another-client"
# The people the tests log in as, by the name typed at the provider's login form.
USERS = {
    "ada": {"email": "ada@example.com", "name": "Ada", "groups": ["es-admins", "staff"]},
    "rob": {"email": "rob@example.com", "name": "Rob", "groups": ["es-readers"]},
    "eve": {"email": "eve@example.com", "name": "Eve", "groups": ["marketing"]},
    "sol": {"email": "sol@example.com", "name": "Sol", "groups": "es-readers"},  # one group as a string
}


def ensure_installed() -> str | None:
    """None when the provider can run here, else why not (a reason to skip with)."""
    if (HERE / "node_modules" / "oidc-provider").is_dir():
        return None if shutil.which("node") else "node is not installed (the OpenID provider of the tests runs on it)"
    npm = shutil.which("npm")
    if not npm or not shutil.which("node"):
        return "node and npm are not installed: the tests' OpenID provider (npm oidc-provider) cannot run"
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE,
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        return f"npm could not install the tests' OpenID provider (oidc-provider): {done.stderr.strip()[-500:]}"
    return None


@dataclass
class RunningProvider:
    issuer: str
    process: subprocess.Popen
    users_path: Path
    log_path: Path
    users: dict = field(default_factory=dict)

    def set_users(self, users: dict) -> None:
        """The people the provider knows, with their claims (read at each login)."""
        self.users = users
        self.users_path.write_text(json.dumps(users))

    def rotate(self) -> list[str]:
        """A new signing key, first in the JWKS: the next ID token is signed with it."""
        return requests.post(self.issuer + "/__test/rotate", timeout=10).json()["kids"]

    def tamper(self, mode: str) -> None:
        """The next token answer carries an ID token made wrong in way `mode` (see provider.mjs)."""
        requests.post(self.issuer + "/__test/tamper", params={"mode": mode}, timeout=10).raise_for_status()

    def jwks(self) -> dict:
        return requests.get(self.issuer + "/jwks", timeout=10).json()


def start_provider(tmp_path: Path, redirect_uris: list[str], post_logout_redirect_uris: list[str], *,
                   id_token_claims: bool = False, end_session: bool = True, users: dict | None = None,
                   auth_method: str = "client_secret_basic", only_auth_method: bool = False) -> RunningProvider:
    """The provider on a free loopback port, with our client and another one registered;
    `only_auth_method`: its discovery document advertises `auth_method` alone."""
    users_path = tmp_path / "provider-users.json"
    users_path.write_text(json.dumps(users or USERS))
    config = {
        "port": 0, "users": str(users_path), "id_token_claims": id_token_claims, "end_session": end_session,
        **({"auth_methods": [auth_method]} if only_auth_method else {}),
        "clients": [
            {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": redirect_uris,
             "post_logout_redirect_uris": post_logout_redirect_uris, "token_endpoint_auth_method": auth_method},
            {"client_id": OTHER_CLIENT_ID, "client_secret": CLIENT_SECRET + "-other", "redirect_uris": redirect_uris},
        ],
    }
    config_path = tmp_path / "provider.json"
    config_path.write_text(json.dumps(config))
    log_path = tmp_path / "provider.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen(["node", str(HERE / "provider.mjs"), str(config_path)], cwd=HERE,
                            stdout=subprocess.PIPE, stderr=log)
    deadline = time.monotonic() + 30
    line = b""
    while time.monotonic() < deadline and not line.startswith(b"ready "):
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            raise RuntimeError(f"the OpenID provider exited {proc.returncode}:\n{log_path.read_text()}")
    if not line.startswith(b"ready "):
        proc.kill()
        raise RuntimeError(f"the OpenID provider did not start:\n{log_path.read_text()}")
    return RunningProvider(line.split()[1].decode(), proc, users_path, log_path, users or USERS)


def stop_provider(p: RunningProvider) -> None:
    p.process.terminate()
    try:
        p.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.process.kill()


def form_of(html: str, base: str) -> tuple[str, dict[str, str]]:
    """The first form of a page: its absolute action and its fields' values (hidden ones included)."""
    m = re.search(r"<form\b([^>]*)>(.*?)</form>", html, re.S | re.I)
    assert m, html[:2000]
    action = re.search(r'action="([^"]*)"', m.group(1))
    fields = {}
    for tag in re.findall(r"<input\b[^>]*>", m.group(2), re.I):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[unescape(name.group(1))] = unescape(value.group(1)) if value else ""
    return urljoin(base, unescape(action.group(1)) if action else base), fields


def log_in_at_provider(s: requests.Session, authorization_url: str, login: str,
                       password: str = "any-password") -> requests.Response:
    """A person at the provider: follow its redirects, sign in at its login form when it shows one
    (not when its session remembers them), and stop at the first redirect that leaves the provider
    (to the relying party's callback, whose URL is then the answer's Location)."""
    issuer = authorization_url.split("/auth", 1)[0]

    def follow(answer: requests.Response) -> requests.Response:
        while answer.is_redirect and urljoin(answer.url, answer.headers["Location"]).startswith(issuer + "/"):
            answer = s.get(urljoin(answer.url, answer.headers["Location"]), allow_redirects=False, timeout=10)
        return answer

    answer = follow(s.get(authorization_url, allow_redirects=False, timeout=10))
    if not answer.is_redirect and 'name="login"' in answer.text:
        action, fields = form_of(answer.text, answer.url)
        fields.update(login=login, password=password)
        answer = follow(s.post(action, data=fields, allow_redirects=False, timeout=10))
    return answer
