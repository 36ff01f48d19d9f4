"""Rendo's small flat icons, painted with QPainter so that every platform looks the same.

PySide6-Essentials ships no icon theme and the platforms' own themes differ; a few simple
glyphs drawn on a 24×24 grid (scaled for each size asked) keep the window calm and sharp.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

# Status colours, also used for text in the grid (muted enough for a whole day of work).
GREEN = QColor("#2e7d32")
AMBER = QColor("#c77700")
RED = QColor("#c62828")
DARK_RED = QColor("#8e0000")
PURPLE = QColor("#6a1b9a")
BLUE = QColor("#1565c0")
GREY = QColor("#78828c")
INK = QColor("#3c4650")

Painter = Callable[[QPainter], None]
SIZES = (16, 20, 24, 32, 48)


def _pen(color: QColor, width: float = 2.0) -> QPen:
    pen = QPen(color, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _icon(paint: Painter) -> QIcon:
    icon = QIcon()
    for size in SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.scale(size / 24, size / 24)
        paint(painter)
        painter.end()
        icon.addPixmap(pixmap)
    return icon


def _dot(color: QColor) -> Painter:
    def paint(p: QPainter) -> None:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        p.drawEllipse(QPointF(12, 12), 6, 6)

    return paint


def _arrowhead(p: QPainter, tip: QPointF, angle: float, color: QColor) -> None:
    """A filled arrowhead at *tip* pointing along *angle* (radians)."""
    size = 5.0
    left = QPointF(tip.x() - size * math.cos(angle - 0.5), tip.y() - size * math.sin(angle - 0.5))
    right = QPointF(tip.x() - size * math.cos(angle + 0.5), tip.y() - size * math.sin(angle + 0.5))
    path = QPainterPath(tip)
    path.lineTo(left)
    path.lineTo(right)
    path.closeSubpath()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    p.drawPath(path)


def _sync(p: QPainter) -> None:
    p.setPen(_pen(BLUE, 2.2))
    p.setBrush(Qt.BrushStyle.NoBrush)
    rect = QRectF(5, 5, 14, 14)
    p.drawArc(rect, 30 * 16, 150 * 16)
    p.drawArc(rect, 210 * 16, 150 * 16)
    _arrowhead(p, QPointF(18.5, 8.5), math.radians(80), BLUE)
    _arrowhead(p, QPointF(5.5, 15.5), math.radians(260), BLUE)


def _turn(mirrored: bool) -> Painter:
    def paint(p: QPainter) -> None:
        if mirrored:
            p.translate(24, 0)
            p.scale(-1, 1)
        p.setPen(_pen(INK, 2.2))
        p.setBrush(Qt.BrushStyle.NoBrush)
        path = QPainterPath(QPointF(7, 10))
        path.lineTo(15, 10)
        path.cubicTo(QPointF(21, 10), QPointF(21, 19), QPointF(15, 19))
        path.lineTo(10, 19)
        p.drawPath(path)
        _arrowhead(p, QPointF(4, 10), math.pi, INK)

    return paint


def _pencil(p: QPainter) -> None:
    p.setPen(_pen(INK, 1.6))
    p.setBrush(QColor("#f2c94c"))
    body = QPainterPath(QPointF(16, 4))
    body.lineTo(20, 8)
    body.lineTo(9, 19)
    body.lineTo(4, 20)
    body.lineTo(5, 15)
    body.closeSubpath()
    p.drawPath(body)
    p.drawLine(QPointF(14, 6), QPointF(18, 10))


def _list_check(p: QPainter) -> None:
    p.setPen(_pen(INK, 2.0))
    for y in (6.0, 12.0, 18.0):
        p.drawLine(QPointF(11, y), QPointF(20, y))
    p.setPen(_pen(GREEN, 2.0))
    for y in (6.0, 12.0, 18.0):
        p.drawPolyline([QPointF(3.5, y), QPointF(5.3, y + 1.8), QPointF(8.5, y - 1.8)])


def _panel(p: QPainter) -> None:
    p.setPen(_pen(INK, 1.8))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRoundedRect(QRectF(3.5, 4.5, 17, 15), 2, 2)
    p.setBrush(QColor("#cfd8e3"))
    p.drawRect(QRectF(13.5, 4.5, 7, 15))


def _stack(p: QPainter) -> None:
    p.setPen(_pen(INK, 1.5))
    p.setBrush(QColor("#e3eaf3"))
    p.drawRoundedRect(QRectF(8, 3.5, 12.5, 10), 1.5, 1.5)
    p.setBrush(QColor("#b9cbe0"))
    p.drawRoundedRect(QRectF(3.5, 10.5, 12.5, 10), 1.5, 1.5)


def _pie(p: QPainter) -> None:
    rect = QRectF(4, 4, 16, 16)
    p.setPen(_pen(QColor("white"), 1.2))
    for start, span, color in ((90, -200, BLUE), (-110, -100, AMBER), (150, -60, GREEN)):
        p.setBrush(color)
        p.drawPie(rect, start * 16, span * 16)


def _plus_minus(p: QPainter) -> None:
    p.setPen(_pen(INK, 2.2))
    p.drawLine(QPointF(12, 4), QPointF(12, 12))
    p.drawLine(QPointF(8, 8), QPointF(16, 8))
    p.drawLine(QPointF(8, 18), QPointF(16, 18))


def _plug(p: QPainter) -> None:
    p.setPen(_pen(INK, 1.8))
    p.setBrush(QColor("#e3eaf3"))
    for center in (QPointF(6, 6), QPointF(18, 8), QPointF(10, 18)):
        p.drawLine(center, QPointF(12, 11))
    for center in (QPointF(6, 6), QPointF(18, 8), QPointF(10, 18), QPointF(12, 11)):
        p.drawEllipse(center, 3, 3)


def _clock(p: QPainter) -> None:
    p.setPen(_pen(GREY, 1.8))
    p.setBrush(QColor("white"))
    p.drawEllipse(QPointF(12, 12), 7.5, 7.5)
    p.drawLine(QPointF(12, 12), QPointF(12, 7.5))
    p.drawLine(QPointF(12, 12), QPointF(15, 13.5))


def _badge(color: QColor, glyph: Callable[[QPainter], None]) -> Painter:
    def paint(p: QPainter) -> None:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        p.drawEllipse(QPointF(12, 12), 8.5, 8.5)
        p.setPen(_pen(QColor("white"), 2.4))
        glyph(p)

    return paint


def _exclamation(p: QPainter) -> None:
    p.drawLine(QPointF(12, 7.5), QPointF(12, 13))
    p.drawPoint(QPointF(12, 16.5))


def _pause(p: QPainter) -> None:
    p.drawLine(QPointF(9.8, 8.5), QPointF(9.8, 15.5))
    p.drawLine(QPointF(14.2, 8.5), QPointF(14.2, 15.5))


def _not_equal(p: QPainter) -> None:
    p.setPen(_pen(QColor("white"), 1.8))
    p.drawLine(QPointF(8, 10), QPointF(16, 10))
    p.drawLine(QPointF(8, 14), QPointF(16, 14))
    p.drawLine(QPointF(14, 7), QPointF(10, 17))


def _search(p: QPainter) -> None:
    p.setPen(_pen(GREY, 2.0))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawEllipse(QPointF(10, 10), 5.5, 5.5)
    p.drawLine(QPointF(14, 14), QPointF(19.5, 19.5))


_PAINTERS: dict[str, Painter] = {
    "ok": _dot(GREEN),
    "low": _dot(AMBER),
    "out": _dot(RED),
    "backordered": _dot(PURPLE),
    "oversold": _dot(DARK_RED),
    "unlimited": _dot(BLUE),
    "pending": _clock,
    "failed": _badge(RED, _exclamation),
    "suspended": _badge(AMBER, _pause),
    "drift": _badge(BLUE, _not_equal),
    "set": _stack,
    "sync": _sync,
    "undo": _turn(False),
    "redo": _turn(True),
    "edit": _pencil,
    "bulk": _list_check,
    "detail": _panel,
    "pattern": _pie,
    "offset": _plus_minus,
    "channels": _plug,
    "search": _search,
}


@cache
def icon(name: str) -> QIcon:
    """The icon called *name* (see _PAINTERS); needs a running QGuiApplication."""
    return _icon(_PAINTERS[name])
