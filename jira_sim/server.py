"""``SimulatorServer``: the simulated Jira as a real HTTP server on loopback, in daemon threads.

``prefix`` mounts every route under a path: the Cloud gateway shape (``/ex/jira/<cloudId>``) or
a Data Center context path (``/jira``); anything outside it answers 404. ``.url`` is what a
client uses as its base URL (the served address plus the prefix) and every URL the site emits
starts with it. ``site_url`` is the site's own address, which ``serverInfo.baseUrl`` names; it
defaults to ``.url`` (behind the gateway, Cloud names ``https://<site>.atlassian.net``).

A Cloud site also serves its media host (``.media_url``, on ``media_host``:``media_port``), where
attachment content redirects to.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import BaseWSGIServer, ThreadedWSGIServer

from jira_sim.app import create_app
from jira_sim.routes_attachments import create_media_app
from jira_sim.seed import demo_seed, load_seed
from jira_sim.site import Site


class SimulatorServer:
    """Serve a fresh :class:`Site` seeded from ``seed`` (None = :func:`demo_seed`); ``port=0`` picks a free port.

    ``.url`` is the base URL (``http://127.0.0.1:41234`` plus the prefix), ``.site`` the in-memory state.
    """

    def __init__(self, seed: dict[str, Any] | None = None, deployment: str = "cloud", host: str = "127.0.0.1",
                 port: int = 0, prefix: str = "", site_url: str | None = None, media_host: str | None = None,
                 media_port: int = 0) -> None:
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise ValueError(f"prefix must start with '/' and not end with one, not {prefix!r}")
        self.site = Site(deployment=deployment)
        load_seed(self.site, demo_seed() if seed is None else seed)
        self._host = host
        self._port = port
        self._prefix = prefix
        self._site_url = site_url.rstrip("/") if site_url else None
        self._media_address = (media_host or host, media_port)
        self._server: BaseWSGIServer | None = None
        self._media: BaseWSGIServer | None = None
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the simulator is not started")
        return f"http://{self._host}:{self._server.server_port}{self._prefix}"

    @property
    def media_url(self) -> str:
        """The media host's base URL (Cloud only; empty on Data Center)."""
        return self.site.media_url

    def start(self) -> SimulatorServer:
        self._server = self._bind()
        self._threads.append(_serve_in_thread(self._server, "jira-simulator"))
        return self

    def serve_forever(self) -> None:
        """Run in the calling thread (the CLI) until ``stop()`` from another thread or a signal."""
        self._server = self._bind()
        self._server.serve_forever()

    def _bind(self) -> BaseWSGIServer:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        app = create_app(self.site)
        wsgi = DispatcherMiddleware(NotFound(), {self._prefix: app}) if self._prefix else app
        server = ThreadedWSGIServer(self._host, self._port, wsgi)
        server.daemon_threads = True
        with self.site.lock:
            self.site.site_url = self._site_url or f"http://{self._host}:{server.server_port}{self._prefix}"
        if self.site.deployment == "cloud":
            self._media = media = ThreadedWSGIServer(*self._media_address, create_media_app(self.site))
            media.daemon_threads = True
            self._threads.append(_serve_in_thread(self._media, "jira-simulator-media"))
            with self.site.lock:
                self.site.media_url = f"http://{self._media_address[0]}:{self._media.server_port}"
        return server

    def stop(self) -> None:
        for server in (self._server, self._media):
            if server is not None:
                server.shutdown()
                server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _serve_in_thread(server: BaseWSGIServer, name: str) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, name=name, daemon=True)
    thread.start()
    return thread
