"""What a demo store tells the person trying it: its passphrase and the demo owner's PIN.

``salondesk.services.demo`` is imported lazily (it is only needed for demo stores) and
guarded, so the GUI still starts if that module is missing or broken.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def demo_passphrase() -> str | None:
    try:
        from salondesk.services.demo import DEMO_PASSPHRASE
    except ImportError:
        log.info("demo module not available; no passphrase pre-filled")
        return None
    return DEMO_PASSPHRASE


def demo_owner() -> tuple[str, str] | None:
    try:
        from salondesk.services.demo import DEMO_OWNER
    except ImportError:
        log.info("demo module not available; no sign-in hint")
        return None
    return DEMO_OWNER
