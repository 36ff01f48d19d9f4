"""A small step chart of an item's on hand and sellable over time, drawn with QPainter.

PySide6-Essentials has no QtCharts; two step lines, a reorder-point rule and tidy axes are
all the item panel needs, and drawing them keeps the packaged program small.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from . import icons

ON_HAND_COLOR = icons.BLUE
SELLABLE_COLOR = icons.GREEN
REORDER_COLOR = icons.AMBER
AXIS_COLOR = QColor("#9aa4ae")
GRID_COLOR = QColor("#e8ecf0")
MIN_SPAN = timedelta(minutes=1)  # movements a few seconds apart still get room to show
ToX = Callable[[datetime], float]
ToY = Callable[[float], float]


@dataclass(frozen=True, slots=True)
class Series:
    label: str
    color: QColor
    points: list[tuple[datetime, int]]  # oldest first; a step holds until the next point
    filled: bool = False
    dashed: bool = False


def nice_step(span: float, ticks: int = 4) -> float:
    """A round step (1, 2 or 5 × 10^k) giving about *ticks* intervals over *span*."""
    raw = max(span / ticks, 1e-9)
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return max(factor * magnitude, 1.0)
    return 10 * magnitude


class StockHistoryChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyChart")
        self.series: list[Series] = []
        self.reorder_point: int | None = None
        self.reorder_label = ""
        self.message = ""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(150)

    def sizeHint(self) -> QSize:
        return QSize(380, 200)

    def set_series(
        self, series: list[Series], reorder_point: int | None = None, reorder_label: str = ""
    ) -> None:
        self.series = [s for s in series if s.points]
        self.reorder_point, self.reorder_label = reorder_point, reorder_label
        self.message = ""
        self.update()

    def show_message(self, message: str) -> None:
        self.series, self.reorder_point, self.message = [], None, message
        self.update()

    # -- drawing ---------------------------------------------------------------------------
    def _small_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        return font

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        frame = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(QPen(QColor("#dde3e9"), 1))
        painter.setBrush(QColor("white"))
        painter.drawRoundedRect(frame, 4, 4)
        if not self.series:
            painter.setPen(icons.GREY)
            painter.drawText(frame.adjusted(12, 8, -12, -8),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self.message)
            painter.end()
            return
        font = self._small_font()
        painter.setFont(font)
        metrics = QFontMetrics(font)
        start, end = self.time_range()
        low, high, step = self._value_range()
        labels = [self._number(value) for value in self._ticks(low, high, step)]
        left = frame.left() + 10 + max(metrics.horizontalAdvance(t) for t in labels)
        plot = QRectF(QPointF(left + 6, frame.top() + metrics.height() + 16),
                      QPointF(frame.right() - 14, frame.bottom() - metrics.height() - 12))
        if plot.width() < 40 or plot.height() < 30:
            painter.end()
            return

        def x_of(moment: datetime) -> float:
            total = (end - start).total_seconds()
            return plot.left() + plot.width() * (moment - start).total_seconds() / total

        def y_of(value: float) -> float:
            return plot.bottom() - plot.height() * (value - low) / (high - low)

        self._draw_grid(painter, metrics, plot, low, high, step, y_of)
        self._draw_time_axis(painter, metrics, plot, start, end, x_of)
        if self.reorder_point is not None and low <= self.reorder_point <= high:
            y = y_of(self.reorder_point)
            pen = QPen(REORDER_COLOR, 1.2, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        for series in self.series:
            self._draw_series(painter, series, plot, end, x_of, y_of)
        self._draw_legend(painter, metrics, frame)
        painter.end()

    def time_range(self) -> tuple[datetime, datetime]:
        """The time axis: the span of the data (at least MIN_SPAN), not a fixed period."""
        moments = [moment for s in self.series for moment, _ in s.points]
        start, end = min(moments), max(moments)
        if end - start < MIN_SPAN:
            start = end - MIN_SPAN
        margin = (end - start) * 0.02
        return start - margin, end

    def _value_range(self) -> tuple[float, float, float]:
        values = [value for s in self.series for _, value in s.points]
        if self.reorder_point is not None:
            values.append(self.reorder_point)
        low, high = min(0, min(values)), max(values)
        if high <= low:
            high = low + 1
        step = nice_step(high - low)
        low = math.floor(low / step) * step
        high = math.ceil(high / step) * step
        if high - (max(values)) < step * 0.15:
            high += step
        return low, high, step

    @staticmethod
    def _ticks(low: float, high: float, step: float) -> list[float]:
        count = int(round((high - low) / step))
        return [low + i * step for i in range(count + 1)]

    @staticmethod
    def _number(value: float) -> str:
        return f"{int(value):,}" if value == int(value) else f"{value:,.1f}"

    def _draw_grid(self, painter: QPainter, metrics: QFontMetrics, plot: QRectF, low: float,
                   high: float, step: float, y_of: ToY) -> None:
        for value in self._ticks(low, high, step):
            y = y_of(value)
            painter.setPen(QPen(AXIS_COLOR if value == 0 else GRID_COLOR, 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(icons.GREY)
            text = self._number(value)
            painter.drawText(QRectF(0, y - metrics.height() / 2, plot.left() - 6, metrics.height()),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)

    def _draw_time_axis(self, painter: QPainter, metrics: QFontMetrics, plot: QRectF,
                        start: datetime, end: datetime, x_of: ToX) -> None:
        span = end - start
        if span <= timedelta(minutes=10):
            fmt = "%H:%M:%S"  # ticks a minute or less apart
        else:
            fmt = "%H:%M" if span <= timedelta(days=2) else "%m/%d"
        count = max(2, min(5, int(plot.width() // 80)))
        painter.setPen(icons.GREY)
        for i in range(count + 1):
            moment = start + span * (i / count)
            x = x_of(moment)
            text = moment.strftime(fmt)
            width = metrics.horizontalAdvance(text)
            left = min(max(x - width / 2, plot.left() - 4), plot.right() - width + 4)
            painter.drawText(QRectF(left, plot.bottom() + 4, width + 2, metrics.height()),
                             Qt.AlignmentFlag.AlignLeft, text)

    def _draw_series(self, painter: QPainter, series: Series, plot: QRectF, end: datetime,
                     x_of: ToX, y_of: ToY) -> None:
        points = series.points
        path = QPainterPath(QPointF(x_of(points[0][0]), y_of(points[0][1])))
        for (_, previous), (moment, value) in zip(points, points[1:], strict=False):
            x = x_of(moment)
            path.lineTo(QPointF(x, y_of(previous)))
            path.lineTo(QPointF(x, y_of(value)))
        path.lineTo(QPointF(x_of(end), y_of(points[-1][1])))
        if series.filled:
            area = QPainterPath(path)
            area.lineTo(QPointF(x_of(end), plot.bottom()))
            area.lineTo(QPointF(x_of(points[0][0]), plot.bottom()))
            area.closeSubpath()
            fill = QColor(series.color)
            fill.setAlpha(28)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawPath(area)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        pen = QPen(series.color, 2.0 if series.filled else 1.8)
        if series.dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawPath(path)

    def _draw_legend(self, painter: QPainter, metrics: QFontMetrics, frame: QRectF) -> None:
        x = frame.left() + 12
        y = frame.top() + 8 + metrics.height() / 2
        for series in self.series:
            pen = QPen(series.color, 2.4)
            if series.dashed:
                pen.setStyle(Qt.PenStyle.DashLine)
                pen.setWidthF(1.8)
            painter.setPen(pen)
            painter.drawLine(QPointF(x, y), QPointF(x + 16, y))
            painter.setPen(icons.INK)
            width = metrics.horizontalAdvance(series.label)
            painter.drawText(QRectF(x + 22, y - metrics.height() / 2, width + 2, metrics.height()),
                             Qt.AlignmentFlag.AlignVCenter, series.label)
            x += 22 + width + 18
        if self.reorder_point is not None:
            painter.setPen(QPen(REORDER_COLOR, 1.4, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(x, y), QPointF(x + 16, y))
            painter.setPen(icons.INK)
            width = metrics.horizontalAdvance(self.reorder_label)
            painter.drawText(QRectF(x + 22, y - metrics.height() / 2, width + 2, metrics.height()),
                             Qt.AlignmentFlag.AlignVCenter, self.reorder_label)
