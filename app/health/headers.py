"""Security headers on every answer of the health service, errors and static files included.

The dashboard loads its script and style from `static/` and nothing else, so the policy can
forbid every inline script and style outright (no nonce, no hash to keep in step) and every
other origin; its refresh `fetch`es the page itself (`connect-src 'self'`). No page may frame
it, nothing it links to learns where the link was, and no answer is stored by a cache unless
it says otherwise (the static files do: they are revalidated, not secret).

The `Server` header is gunicorn's: it has named no version since gunicorn 20.1 and offers no
setting to drop the header, so it is left as it is ("gunicorn").
"""

from __future__ import annotations

from typing import Any

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    "img-src 'self'",  # the browser's own favicon request; the page shows no image
    "base-uri 'none'",
    "form-action 'self'",  # the issue search (a GET of /trace on this origin)
    "frame-ancestors 'none'",
))

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
DEFAULT_CACHE_CONTROL = "no-store"  # every dynamic answer describes now, and may be protected


def add_security_headers(response: Any) -> Any:
    """Flask `after_request` hook: set the headers above, keep a Cache-Control the route chose."""
    response.headers.update(SECURITY_HEADERS)
    response.headers.setdefault("Cache-Control", DEFAULT_CACHE_CONTROL)
    return response
