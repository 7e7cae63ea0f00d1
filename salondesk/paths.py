"""Where SalonDesk finds its bundled resources and keeps the user's data."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "SalonDesk"


def resources_dir() -> Path:
    """The ``resources/`` folder: beside the package in a checkout, inside a frozen bundle."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def font_path() -> Path:
    """The bundled CJK TrueType font used by the GUI, PDFs and raster receipts."""
    return resources_dir() / "fonts" / "LXGWWenKai-Regular.ttf"


def default_data_dir() -> Path:
    """The store's data folder: ``$SALONDESK_DATA_DIR`` or the per-user data folder."""
    override = os.environ.get("SALONDESK_DATA_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "store"


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
