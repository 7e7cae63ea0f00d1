"""``salondesk headoffice serve`` as a real process (what the benchmark and the CLI tests
talk to: no shared interpreter with the client)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from salondesk.headoffice.server import free_port


@contextmanager
def serve_process(db_url: str) -> Iterator[str]:
    port = free_port()
    env = dict(os.environ, SALONDESK_LOCALE="en")
    proc = subprocess.Popen([sys.executable, "-m", "salondesk", "headoffice", "serve", "--db",
                             db_url, "--host", "127.0.0.1", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"head office did not start: {proc.communicate()[1]}")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
