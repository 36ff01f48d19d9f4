"""Render resources/icons/rendo.svg to rendo.png (256 px) and rendo.ico (Windows build).

Run: .venv/bin/python -m app.tools.make_icon
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from app.i18n import resources_dir


def render(size: int) -> QImage:
    """The icon as a transparent square image of `size` pixels."""
    renderer = QSvgRenderer(str(resources_dir() / "icons" / "rendo.svg"))
    if not renderer.isValid():
        raise SystemExit("rendo.svg could not be read")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication(sys.argv[:1])
    icons = resources_dir() / "icons"
    if not render(256).save(str(icons / "rendo.png")):
        raise SystemExit("could not write rendo.png")
    if not render(64).save(str(icons / "rendo.ico")):
        raise SystemExit("could not write rendo.ico")
    print(f"wrote {icons / 'rendo.png'} and {icons / 'rendo.ico'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
