"""``SimulatorServer``: the simulated Jira as a real HTTP server on loopback, in a daemon thread."""

from __future__ import annotations

import logging
import threading

from werkzeug.serving import make_server

from app.simulator.app import create_app
from app.simulator.seed import demo_seed, load_seed
from app.simulator.site import Site


class SimulatorServer:
    """Serve a fresh :class:`Site` seeded from ``seed`` (None = :func:`demo_seed`); ``port=0`` picks a free port.

    ``.url`` is the base URL (``http://127.0.0.1:41234``), ``.site`` the in-memory state.
    """

    def __init__(self, seed: dict | None = None, deployment: str = "cloud", host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.site = Site(deployment=deployment)
        load_seed(self.site, demo_seed() if seed is None else seed)
        self._host = host
        self._port = port
        self._server = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the simulator is not started")
        return f"http://{self._host}:{self._server.server_port}"

    def start(self) -> "SimulatorServer":
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server = make_server(self._host, self._port, create_app(self.site), threaded=True)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="jira-simulator", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Run in the calling thread (the CLI) until ``stop()`` from another thread or a signal."""
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server = make_server(self._host, self._port, create_app(self.site), threaded=True)
        self._server.daemon_threads = True
        self._server.serve_forever()

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
