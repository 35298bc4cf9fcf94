"""`access-es demo`, as a newcomer runs it: start, log in with the printed account, use the page's
APIs, stop with Ctrl-C."""
import re
import signal
import subprocess
import time

import requests

from .conftest import VENV_BIN, Browser, aws_env, free_port


def test_demo_runs_logs_in_and_stops_cleanly(tmp_path):
    port = free_port()
    log = open(tmp_path / "demo.log", "w+")
    env = aws_env()
    proc = subprocess.Popen([str(VENV_BIN / "access-es"), "demo", "--port", str(port)], env=env,
                            stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        text = ""
        while "Press Ctrl-C" not in text and time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "demo.log").read_text()
            time.sleep(0.2)
            text = (tmp_path / "demo.log").read_text()
        assert "Press Ctrl-C" in text, text
        assert f"http://127.0.0.1:{port}/" in text and "local S3 (moto_server)" in text
        admin_pw = re.search(r"admin account:\s+demo\s+/ (\S+)", text).group(1)
        reader_pw = re.search(r"readonly account:\s+partner\s+/ (\S+)", text).group(1)

        base = f"http://127.0.0.1:{port}"
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
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0
    assert "access-es demo stopped." in (tmp_path / "demo.log").read_text()
