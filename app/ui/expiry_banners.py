"""The sync panel's banners about credentials with a known end (楽天's license key): one per
channel whose credential ends within the warning window or has ended, with the way to the
channel's settings to enter the new one."""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.services.channel_expiry import CredentialWarning, renew_words, warning_words

from .state_icons import sync_icon
from .sync_control import SyncControl


class ExpiryBanners(QWidget):
    """Hidden while no credential ends soon; follows *control*'s statuses. *renew* opens the
    channel's settings."""

    renew_requested = Signal(str)  # the channel whose settings to open

    def __init__(self, control: SyncControl, renew: Callable[[str], object],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.control = control
        self.setObjectName("expiryBanners")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self._banners: dict[str, tuple[str, QFrame]] = {}  # channel → (text, banner)
        self.renew_requested.connect(renew)
        control.statuses_changed.connect(self._statuses)
        self.show_warnings(control.credential_warnings)

    @property
    def texts(self) -> dict[str, str]:
        """The banners shown, by channel (their rich text)."""
        return {name: text for name, (text, _banner) in self._banners.items()}

    @Slot(list)
    def _statuses(self, _statuses: list[object]) -> None:
        self.show_warnings(self.control.credential_warnings)

    def show_warnings(self, warnings: list[CredentialWarning]) -> None:
        shown: dict[str, tuple[str, bool]] = {}
        for warning in warnings:
            text = self.tr("<b>{name}</b>: {ending}. {renew}").format(
                name=html.escape(warning.channel), ending=html.escape(warning_words(warning)),
                renew=html.escape(renew_words(warning)))
            shown[warning.channel] = (text, warning.expired)
        for name in list(self._banners):
            if shown.get(name, ("",))[0] != self._banners[name][0]:
                _text, banner = self._banners.pop(name)
                self._layout.removeWidget(banner)
                banner.deleteLater()
        for name, (text, expired) in shown.items():
            if name not in self._banners:
                self._banners[name] = (text, self._banner(name, text, expired))
        self.setVisible(bool(self._banners))

    def _banner(self, name: str, text: str, expired: bool) -> QFrame:
        banner = QFrame(self)
        banner.setObjectName("expiryBanner")
        background, border, ink = (("#fdf0ee", "#efc5bf", "#8c2318") if expired
                                   else ("#fff6e0", "#f0d28c", "#5c4100"))
        banner.setStyleSheet(
            f"#expiryBanner {{ background: {background}; border: 1px solid {border}; "
            f"border-radius: 4px; }} #expiryBanner QLabel {{ color: {ink}; "
            "background: transparent; }")
        icon = QLabel(banner)
        size = self.fontMetrics().height() + 2
        icon.setPixmap(sync_icon("failing" if expired else "warning").pixmap(size, size))
        label = QLabel(text, banner)
        label.setObjectName("expiryText")
        label.setWordWrap(True)
        button = QPushButton(self.tr("Channels…"), banner)
        button.setObjectName("renewCredential")
        button.clicked.connect(lambda _checked=False: self.renew_requested.emit(name))
        row = QHBoxLayout(banner)
        row.setContentsMargins(10, 5, 6, 5)
        row.addWidget(icon)
        row.addWidget(label, 1)
        row.addWidget(button)
        self._layout.addWidget(banner)
        return banner
