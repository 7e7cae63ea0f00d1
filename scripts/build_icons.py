#!/usr/bin/env python3
"""Render the app icon from resources/icons/salondesk.svg into the files installers need.

    .venv/bin/python scripts/build_icons.py

Writes salondesk.png (256 px: Linux .desktop, window icon) and salondesk.ico (16-256 px:
Windows executable and installer) next to the SVG. Run it after changing the SVG and commit
the results; the build does not need Qt's SVG renderer then.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image
from PySide6.QtCore import QBuffer, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(renderer: QSvgRenderer, size: int) -> Image.Image:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return Image.open(io.BytesIO(bytes(buffer.data().data())))


def main() -> int:
    _app = QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ICONS / "salondesk.svg"))
    if not renderer.isValid():
        raise SystemExit("salondesk.svg could not be read")
    images = {size: render(renderer, size) for size in SIZES}
    images[256].save(ICONS / "salondesk.png")
    images[256].save(ICONS / "salondesk.ico", sizes=[(s, s) for s in SIZES],
                     append_images=[images[s] for s in SIZES[:-1]])
    print(f"wrote {ICONS / 'salondesk.png'} and {ICONS / 'salondesk.ico'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
