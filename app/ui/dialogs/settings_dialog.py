"""設定: Rendo's own settings on this PC: the display language (used from the next start) and
the name the other PCs sharing the shop see."""

from __future__ import annotations

import socket

from PySide6.QtCore import QLocale, QSettings
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.i18n import (
    active_language,
    chosen_language,
    effective_language,
    stored_language,
)

from ..pc_settings import LANGUAGE, PC_NAME
from .common import MessageBar, ShopDialog

# Language names are shown in their own language, whatever the window's language is.
LANGUAGE_NAMES = {"ja": "日本語", "en": "English"}


class SettingsDialog(ShopDialog):
    """Choose the display language; OK stores it in the per-PC settings (pc_settings.LANGUAGE)."""

    def __init__(
        self, parent: QWidget | None = None, settings: QSettings | None = None,
        system_locale: QLocale | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings if settings is not None else QSettings()
        self.system_locale = system_locale if system_locale is not None else QLocale.system()
        # The language the window shows now (what a change is compared with).
        self.running = active_language() or chosen_language(self.settings, self.system_locale)
        self.setWindowTitle(self.tr("Settings"))
        self.setMinimumWidth(420)

        self.language = QComboBox(self)
        self.language.setObjectName("languageCombo")
        system_name = LANGUAGE_NAMES[effective_language("system", self.system_locale)]
        self.language.addItem(
            self.tr("Match the system ({language})").format(language=system_name), "system")
        for code, name in LANGUAGE_NAMES.items():
            self.language.addItem(name, code)
        self.language.currentIndexChanged.connect(self._language_changed)

        self.pc_name = QLineEdit(self)
        self.pc_name.setObjectName("pcName")
        self.pc_name.setMaxLength(60)
        host = socket.gethostname()
        self.pc_name.setPlaceholderText(host)
        self.pc_name.setToolTip(self.tr(
            "The sync panel of every PC sharing this shop says which PC syncs each channel, by "
            "this name. Empty: the computer's name ({host}).").format(host=host))

        form = QFormLayout()
        form.addRow(self.tr("Display &language:"), self.language)
        form.addRow(self.tr("This PC's &name:"), self.pc_name)

        self.messages = MessageBar(self)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.messages)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.load()

    def load(self) -> None:
        """The stored choice ("system" when none)."""
        self.language.setCurrentIndex(self.language.findData(stored_language(self.settings)))
        self.pc_name.setText(PC_NAME.get(self.settings))
        self._language_changed()

    @property
    def choice(self) -> str:
        """The chosen language: "system", "ja" or "en"."""
        return str(self.language.currentData())

    def set_choice(self, choice: str) -> None:
        self.language.setCurrentIndex(self.language.findData(choice))

    def _language_changed(self) -> None:
        if effective_language(self.choice, self.system_locale) != self.running:
            self.messages.show_hint(self.tr(
                "The new language is used after you restart Rendo."))
        else:
            self.messages.clear_messages()

    def save(self) -> None:
        """The per-PC setting (this PC's QSettings), not the shop's database."""
        LANGUAGE.set(self.choice, self.settings)
        PC_NAME.set(" ".join(self.pc_name.text().split()), self.settings)
        self.settings.sync()
