"""A proxy or single-sign-on page answering 200 with HTML is a JiraError like any other failure."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.jira import BasicAuth, JiraClient, JiraError


class LoginPage(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the http.server API
        body = b"<html><body>Please sign in</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def login_page():
    server = ThreadingHTTPServer(("127.0.0.1", 0), LoginPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_an_html_answer_is_a_jira_error_naming_the_path(login_page):
    client = JiraClient(login_page, BasicAuth("bot@example.test", "token-xyz"), deployment="cloud")
    with pytest.raises(JiraError) as raised:
        client.myself()
    assert raised.value.status == 200
    assert "/rest/api/3/myself" in str(raised.value) and "not JSON" in str(raised.value)
    assert "token-xyz" not in str(raised.value)
