"""``SimulatorServer``: the simulated Jira as a real HTTP server on loopback, in daemon threads.

``prefix`` mounts every route under a path: the Cloud gateway shape (``/ex/jira/<cloudId>``) or
a Data Center context path (``/jira``); anything outside it answers 404. ``.url`` is what a
client uses as its base URL (the served address plus the prefix) and every URL the site emits
starts with it. ``site_url`` is the site's own address, which ``serverInfo.baseUrl`` names; it
defaults to ``.url`` (behind the gateway, Cloud names ``https://<site>.atlassian.net``).
"""

from __future__ import annotations

import logging
import threading

from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import BaseWSGIServer, make_server

from jira_sim.app import create_app
from jira_sim.seed import demo_seed, load_seed
from jira_sim.site import Site


class SimulatorServer:
    """Serve a fresh :class:`Site` seeded from ``seed`` (None = :func:`demo_seed`); ``port=0`` picks a free port.

    ``.url`` is the base URL (``http://127.0.0.1:41234`` plus the prefix), ``.site`` the in-memory state.
    """

    def __init__(self, seed: dict | None = None, deployment: str = "cloud", host: str = "127.0.0.1",
                 port: int = 0, prefix: str = "", site_url: str | None = None) -> None:
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise ValueError(f"prefix must start with '/' and not end with one, not {prefix!r}")
        self.site = Site(deployment=deployment)
        load_seed(self.site, demo_seed() if seed is None else seed)
        self._host = host
        self._port = port
        self._prefix = prefix
        self._site_url = site_url.rstrip("/") if site_url else None
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the simulator is not started")
        return f"http://{self._host}:{self._server.server_port}{self._prefix}"

    def start(self) -> "SimulatorServer":
        self._server = self._bind()
        self._thread = _serve_in_thread(self._server, "jira-simulator")
        return self

    def serve_forever(self) -> None:
        """Run in the calling thread (the CLI) until ``stop()`` from another thread or a signal."""
        self._server = self._bind()
        self._server.serve_forever()

    def _bind(self) -> BaseWSGIServer:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        app = create_app(self.site)
        wsgi = DispatcherMiddleware(NotFound(), {self._prefix: app}) if self._prefix else app
        server = make_server(self._host, self._port, wsgi, threaded=True)
        server.daemon_threads = True
        with self.site.lock:
            self.site.site_url = self._site_url or f"http://{self._host}:{server.server_port}{self._prefix}"
        return server

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "SimulatorServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _serve_in_thread(server: BaseWSGIServer, name: str) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, name=name, daemon=True)
    thread.start()
    return thread
