"""The proxy: request in (request.py), the transport (upstream.py), response out (response.py), and
the view that glues them (views.py)."""
