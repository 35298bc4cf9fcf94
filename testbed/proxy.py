"""The test bed shared by tests/ (make test) and bench/ (make bench): the stand-in's test keys,
an environment with them and nothing of this machine's AWS setup, and `access-es serve` started in
a subprocess in front of an endpoint (its JSON log lines readable). Not shipped with the package."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ACCESS_KEY = "AKIATESTACCESSKEY001"
SECRET_KEY = "test/secret+key/for/the/standin/0123456789"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEtestsessiontoken//+=="
REGION = "us-east-1"
PASSWORDS = {"alice": "alice-password-1", "bob": "bob-password-22"}
APP_SECRET = "test-secret-key-0123456789abcdef"
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
OVERFLOW_BUCKET = "access-es-test-overflow"


def aws_env(**extra: str) -> dict[str, str]:
    """A process environment with the test keys and nothing from this machine's AWS setup."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ACCESS_ES_"))}
    env.update(
        AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY, AWS_SESSION_TOKEN=SESSION_TOKEN,
        AWS_REGION=REGION, AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    env.update(extra)
    return env


def steady_throttle_minutes(margin_seconds: int = 600) -> str:
    """ACCESS_ES_THROTTLE_MINUTES for a test that counts failed logins: a window length (15 minutes or
    a little more) whose current window has at least `margin_seconds` left. The throttle's windows are
    fixed (they start at multiples of their length), so a test that happened to run across a window's
    end would see its counters start again from zero."""
    now = int(time.time())
    for minutes in range(15, 24 * 60 + 1):
        if minutes * 60 - now % (minutes * 60) >= margin_seconds:
            return str(minutes)
    return "15"


@dataclass
class RunningProxy:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log_lines(self) -> list[dict]:
        """The JSON request lines the proxy wrote so far."""
        out = []
        for line in self.log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
        return out

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_log(self, predicate, timeout: float = 5.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in reversed(self.log_lines()):
                if predicate(line):
                    return line
            time.sleep(0.05)
        raise AssertionError(f"no matching log line in:\n{self.log_text()[-3000:]}")


def start_proxy(tmp_path: Path, endpoint: str, accounts: Path, *, args: tuple[str, ...] = (),
                program: Path = VENV_BIN / "access-es", cwd: Path | None = None, port: int | None = None,
                **env_extra: str) -> RunningProxy:
    """`program serve` (this environment's console script unless told) in front of `endpoint`,
    once it answers its health check (on `port`, else a free one)."""
    port = port or free_port()
    log_path = tmp_path / f"proxy-{port}.log"
    env = aws_env(**{
        "ACCESS_ES_ENDPOINT": endpoint, "ACCESS_ES_SECRET_KEY": APP_SECRET, "ACCESS_ES_USERS": str(accounts),
        "ACCESS_ES_REGION": REGION, **env_extra,
    })
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [str(program), "serve", "--port", str(port), *args],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=cwd,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"access-es serve exited {proc.returncode}:\n{log_path.read_text()}")
        try:
            if requests.get(url + "/_access-es/health", timeout=1).ok:
                return RunningProxy(url, proc, log_path)
        except requests.ConnectionError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"access-es serve did not come up:\n{log_path.read_text()}")


def stop_proxy(p: RunningProxy) -> None:
    p.process.terminate()
    try:
        p.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.process.kill()
