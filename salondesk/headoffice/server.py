"""Running the head office: ``salondesk headoffice serve`` and an in-process server thread."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn
from sqlalchemy import Engine

from salondesk.headoffice.app import create_app


def serve(engine: Engine, *, host: str, port: int, tls_cert: str | None = None,
          tls_key: str | None = None, **app_options: Any) -> None:
    """Serve until interrupted (uvicorn handles SIGINT/SIGTERM and finishes open requests).
    With ``tls_cert``/``tls_key`` (PEM) it speaks HTTPS itself; otherwise put it behind a
    TLS-terminating proxy. With ``SALONDESK_SMS_URL``/``SALONDESK_SMS_KEY`` set, it also sends
    the stores' SMS through that gateway (:mod:`salondesk.headoffice.messaging`)."""
    from salondesk.headoffice.messaging import Sender, provider_from_env

    provider = provider_from_env()
    sender = Sender(engine, provider).start() if provider is not None else None
    try:
        uvicorn.run(create_app(engine, **app_options), host=host, port=port,
                    log_level="warning", access_log=False, timeout_graceful_shutdown=5,
                    ssl_certfile=tls_cert, ssl_keyfile=tls_key)
    finally:
        if sender is not None:
            sender.stop()


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class ServerThread:
    """The head office in a background thread on a free port (tests, trials, benchmarks)."""

    def __init__(self, engine: Engine, *, host: str = "127.0.0.1", port: int | None = None,
                 tls_cert: str | None = None, tls_key: str | None = None,
                 **app_options: Any) -> None:
        self.host, self.port = host, port or free_port(host)
        self._engine, self._options = engine, app_options
        self._tls = (tls_cert, tls_key)
        self._make()

    def _make(self) -> None:
        config = uvicorn.Config(create_app(self._engine, **self._options), host=self.host,
                                port=self.port, log_level="warning", access_log=False,
                                lifespan="off", ssl_certfile=self._tls[0],
                                ssl_keyfile=self._tls[1])
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="headoffice",
                                        daemon=True)

    @property
    def url(self) -> str:
        scheme = "https" if self._tls[0] else "http"
        return f"{scheme}://{self.host}:{self.port}"

    def start(self) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the head-office server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def restart(self) -> None:
        """Stop and start again on the same port (a head-office restart)."""
        self.stop()
        self._make()
        self.start()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
