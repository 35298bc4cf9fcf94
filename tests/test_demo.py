"""`access-es demo`, as a newcomer runs it: start, log in with the printed account, use the page's
APIs, stop with Ctrl-C. (test_installed_package.py runs it from an installed copy too.)"""
import re
import signal
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from .conftest import VENV_BIN, Browser, aws_env, free_port


@dataclass
class RunningDemo:
    base: str
    text: str         # what it printed up to "Press Ctrl-C"
    admin_pw: str     # the printed passwords of demo (admin) and partner (readonly)
    reader_pw: str


@contextmanager
def running_demo(access_es: Path, tmp_path: Path, *, env: dict | None = None, cwd: Path | None = None):
    """`access_es demo` on a free port until it says where to log in; Ctrl-C (SIGINT) when the block
    ends, which must stop it cleanly (exit status 0, "access-es demo stopped.")."""
    port = free_port()
    log_path = tmp_path / "demo.log"
    log = open(log_path, "w+")
    proc = subprocess.Popen([str(access_es), "demo", "--port", str(port)], env=env or aws_env(), cwd=cwd,
                            stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        text = ""
        while "Press Ctrl-C" not in text and time.monotonic() < deadline:
            assert proc.poll() is None, log_path.read_text()
            time.sleep(0.2)
            text = log_path.read_text()
        assert "Press Ctrl-C" in text, text
        assert f"http://127.0.0.1:{port}/" in text
        admin_pw = re.search(r"admin account:\s+demo\s+/ (\S+)", text).group(1)
        reader_pw = re.search(r"readonly account:\s+partner\s+/ (\S+)", text).group(1)
        yield RunningDemo(f"http://127.0.0.1:{port}", text, admin_pw, reader_pw)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, log_path.read_text()
    assert "access-es demo stopped." in log_path.read_text()


def test_demo_runs_logs_in_and_stops_cleanly(tmp_path):
    with running_demo(VENV_BIN / "access-es", tmp_path) as demo:
        assert "local S3 (moto_server)" in demo.text
        base, admin_pw, reader_pw = demo.base, demo.admin_pw, demo.reader_pw

        b = Browser(base)
        r = b.get("/")
        assert r.status_code == 303 and "/_access-es/login" in r.headers["Location"]
        r = b.login("demo", admin_pw)
        assert r.status_code == 303 and r.headers["Location"] == "/_dashboards/"
        page = b.get("/_dashboards/")
        assert page.status_code == 200 and "osd-xsrf" in page.text
        xhr = {"osd-xsrf": "true", "kbn-xsrf": "true", "Accept": "application/json"}
        hits = b.request("POST", "/_dashboards/internal/search/opensearch", headers=xhr,
                         json={"params": {"index": "logs-demo", "body": {"size": 5, "query": {
                             "query_string": {"query": "error"}}}}}).json()
        assert hits["rawResponse"]["hits"]["total"]["value"] == 50
        big = b.request("POST", "/_dashboards/internal/search/opensearch", headers=xhr,
                        json={"params": {"index": "big-docs", "body": {"size": 10}}})
        assert big.status_code == 303  # too large for Lambda: through the local S3
        stored = requests.get(big.headers["Location"])
        assert len(stored.content) > 6_291_556 and len(stored.json()["rawResponse"]["hits"]["hits"]) == 10

        # the curl line it prints works, and the readonly partner cannot write
        assert requests.get(base + "/logs-demo/_search?q=error&size=2", auth=("demo", admin_pw)).ok
        assert requests.put(base + "/logs-demo/_doc/x", json={}, auth=("partner", reader_pw)).status_code == 403
