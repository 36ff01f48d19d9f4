"""The sync state icons: a small coloured disc per state (no theme needed, same on every
platform), and a tray icon with the state as a badge."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

STATE_COLORS = {
    "ok": "#2e7d32",
    "failing": "#c62828",
    "waiting": "#c77700",
    "running": "#1565c0",
    "disabled": "#9e9e9e",
    "paused": "#757575",
    "new": "#78909c",
    "manual": "#78909c",
    "warning": "#c77700",
    "info": "#1565c0",
}


def sync_icon(state: str) -> QIcon:
    """A round icon in the state's colour with a white sign; drawn, so it needs no theme."""
    icon = QIcon()
    for size in (16, 24, 32, 48):
        icon.addPixmap(_state_pixmap(state, size))
    return icon


def _state_pixmap(state: str, size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    color = QColor(STATE_COLORS.get(state, "#78909c"))
    margin = size * 0.06
    circle = QRectF(margin, margin, size - 2 * margin, size - 2 * margin)
    if state in ("new", "manual"):
        painter.setPen(QPen(color, size * 0.12))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(circle.adjusted(size * 0.06, size * 0.06, -size * 0.06, -size * 0.06))
        painter.end()
        return pixmap
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawEllipse(circle)
    pen = QPen(QColor("white"), max(1.5, size * 0.12))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    s = size
    if state == "ok":
        path = QPainterPath(QPointF(s * 0.28, s * 0.52))
        path.lineTo(s * 0.44, s * 0.68)
        path.lineTo(s * 0.73, s * 0.35)
        painter.drawPath(path)
    elif state in ("failing", "warning"):
        painter.drawLine(QPointF(s * 0.5, s * 0.25), QPointF(s * 0.5, s * 0.56))
        painter.drawPoint(QPointF(s * 0.5, s * 0.74))
    elif state == "waiting":
        for x in (0.3, 0.5, 0.7):
            painter.drawPoint(QPointF(s * x, s * 0.52))
    elif state == "running":
        arc = QRectF(s * 0.27, s * 0.27, s * 0.46, s * 0.46)
        painter.drawArc(arc, 90 * 16, 270 * 16)
        head = QPainterPath(QPointF(s * 0.5, s * 0.17))
        head.lineTo(s * 0.62, s * 0.27)
        head.lineTo(s * 0.5, s * 0.37)
        painter.drawPath(head)
    elif state == "paused":
        painter.drawLine(QPointF(s * 0.4, s * 0.32), QPointF(s * 0.4, s * 0.68))
        painter.drawLine(QPointF(s * 0.6, s * 0.32), QPointF(s * 0.6, s * 0.68))
    elif state == "disabled":
        painter.drawLine(QPointF(s * 0.3, s * 0.5), QPointF(s * 0.7, s * 0.5))
    elif state == "info":
        painter.drawPoint(QPointF(s * 0.5, s * 0.28))
        painter.drawLine(QPointF(s * 0.5, s * 0.45), QPointF(s * 0.5, s * 0.74))
    painter.end()
    return pixmap


def badged_icon(base: QIcon, state: str) -> QIcon:
    """*base* (the app icon) with a small state badge in its lower right corner."""
    icon = QIcon()
    for size in (16, 22, 24, 32, 48, 64):
        pixmap = base.pixmap(size, size)
        if pixmap.isNull():
            pixmap = QPixmap(size, size)
            pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        badge = max(8, size // 2)
        painter.drawPixmap(size - badge, size - badge, _state_pixmap(state, badge))
        painter.end()
        icon.addPixmap(pixmap)
    return icon

