"""End to end in a real headless Chromium: log in through the form, then the Dashboards-like page's
Kibana-style fetch() (kbn-xsrf/osd-xsrf headers) asks for an answer too large for Lambda; the
browser follows the 303 to the (local) S3 and hands the page the whole body."""
import shutil
import tempfile

import pytest

from .conftest import OVERFLOW_BUCKET, PASSWORDS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (make test installs it)")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                       reason="Chromium and chromedriver are not installed here (make test installs Debian's "
                              "chromium and chromium-driver when apt-get is available)"),
]


@pytest.fixture
def chrome():
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="access-es-chrome-")
    options = Options()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1200,900"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_login_then_an_oversized_kibana_fetch_arrives_whole(overflow_proxy, overflow_bucket, chrome):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    overflow_bucket.put_bucket_cors(Bucket=OVERFLOW_BUCKET, CORSConfiguration={"CORSRules": [{
        "AllowedOrigins": [overflow_proxy.url], "AllowedMethods": ["GET", "HEAD"], "AllowedHeaders": ["*"],
        "ExposeHeaders": ["Content-Length", "Content-Type", "Content-Encoding"], "MaxAgeSeconds": 3600}]})

    chrome.get(overflow_proxy.url + "/_dashboards/")
    assert "/_access-es/login" in chrome.current_url          # sent to the login page first
    chrome.find_element(By.ID, "username").send_keys("alice")
    chrome.find_element(By.ID, "password").send_keys(PASSWORDS["alice"])
    chrome.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    # the address changes when the navigation commits, before the page is parsed: wait for both
    WebDriverWait(chrome, 30).until(lambda d: d.current_url.endswith("/_dashboards/") and d.find_elements(By.ID, "search"))

    chrome.find_element(By.ID, "search").click()               # an ordinary search works
    WebDriverWait(chrome, 30).until(lambda d: "hits" in d.find_element(By.ID, "status").text)
    assert chrome.find_elements(By.CSS_SELECTOR, "#hits tbody tr")

    chrome.find_element(By.ID, "large").click()                # the answer Lambda could not return
    result = WebDriverWait(chrome, 60).until(lambda d: d.execute_script("return window.lastLargeResult"))
    status = chrome.find_element(By.ID, "status").text
    assert result["redirected"] is True, status
    assert result["hits"] == 10 and result["bytes"] > 6_291_556, status
    assert "overflow bucket" in status
    line = overflow_proxy.wait_log(lambda l: l.get("status") == 303 and "internal/search" in l.get("path", ""))
    assert line["overflow"]["size"] > 6_291_556


def test_a_refused_large_fetch_and_the_next_fetch_both_resolve(proxy, chrome):
    """Issue 11: a keep-alive browser whose large POST is refused before its body is read (401: no
    session; 404: our own namespace) still gets that answer, and its next fetch on the pooled
    connection works: no TypeError "Failed to fetch"."""
    chrome.get(proxy.url + "/_access-es/login")               # a page of the proxy's origin
    chrome.set_script_timeout(120)
    outcomes = chrome.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const attempts = [];
        (async () => {
          for (const size of [1024, 64 * 1024, 8 * 1024 * 1024]) {
            const body = 'x'.repeat(size);
            for (let round = 0; round < 5; round++) {
              for (const [url, expected] of [['/logs-demo/_search', 401], ['/_access-es/no-such-route', 404]]) {
                const attempt = {size, round, url, expected};
                try {
                  const r = await fetch(url, {method: 'POST', body, headers: {'Content-Type': 'application/json'}});
                  await r.text();
                  attempt.refused = r.status;
                } catch (e) { attempt.refused = String(e); }
                try {
                  const r = await fetch('/_access-es/health', {headers: {'Accept': 'application/json'}});
                  await r.text();
                  attempt.next = r.status;
                } catch (e) { attempt.next = String(e); }
                attempts.push(attempt);
              }
            }
          }
          done(attempts);
        })();
    """)
    assert len(outcomes) == 30
    wrong = [a for a in outcomes if a["refused"] != a["expected"] or a["next"] != 200]
    assert not wrong, wrong
