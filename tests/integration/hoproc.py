"""``salondesk headoffice serve`` as a real process (what the benchmark and the CLI tests
talk to: no shared interpreter with the client). One piece of code with ``salondesk bench``."""

from __future__ import annotations

from salondesk.bench.ingest import serve_process

__all__ = ["serve_process"]
