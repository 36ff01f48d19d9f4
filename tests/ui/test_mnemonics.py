"""Every label with a mnemonic (&F) has a buddy: otherwise Qt shows the & as it is."""

from __future__ import annotations

import re

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from app.i18n import install_translators, remove_translators
from app.services.shop import Shop
from app.ui.dialogs.export_dialog import ExportDialog
from app.ui.dialogs.import_wizard import ImportWizard

MNEMONIC = re.compile(r"&(?!&)\S")


def shown_ampersands(widget: QWidget) -> list[str]:
    return [label.text() for label in widget.findChildren(QLabel)
            if MNEMONIC.search(label.text()) and label.buddy() is None
            and label.textFormat() != label.textFormat().RichText]


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("make", [ExportDialog, ImportWizard])
def test_no_label_shows_a_literal_ampersand(
    qtbot: QtBot, demo_shop: Shop, qapp: QApplication, language: str, make: type,
) -> None:
    translators = install_translators(qapp, language)
    try:
        dialog = make(demo_shop)
        qtbot.addWidget(dialog)
        assert shown_ampersands(dialog) == []
    finally:
        remove_translators(qapp, translators)
