"""What a person's browser expects, read from a request's headers: the one rule for it.

Two questions, one place:
- wants_page: a top-level navigation (a person typed a URL or followed a link), which should get a
  readable page or a trip to the login page, where an XHR or an API client gets JSON;
- sent_by_browser: anything a browser page sends (navigation or XHR), which must not get a
  `WWW-Authenticate: Basic` challenge: the browser would pop its native password dialog over Kibana.

`headers`: any case-insensitive mapping (Flask's request.headers, Werkzeug's EnvironHeaders). Pure.
"""
from __future__ import annotations

_XHR_MARKERS = ("kbn-xsrf", "osd-xsrf", "X-Requested-With")  # Kibana's, Dashboards', jQuery's


def wants_page(headers) -> bool:
    if any(headers.get(marker) for marker in _XHR_MARKERS):
        return False
    mode = headers.get("Sec-Fetch-Mode")
    if mode and mode != "navigate":
        return False
    return "text/html" in headers.get("Accept", "")


def sent_by_browser(headers) -> bool:
    return bool(headers.get("Sec-Fetch-Mode") or any(headers.get(marker) for marker in _XHR_MARKERS)
                or "text/html" in headers.get("Accept", ""))
