"""The rows of one channel type in the channel form, read from its record: one field per
setting, one password field per credential part (each with its help text under it and its
problem, hidden until there is one), the keyring note and Connect… for an OAuth type.

The rows are rebuilt in place in the form's ``QFormLayout`` when the type changes, so their
captions line up with the rows every channel has. Strings are in the channel dialog's
translation context (its window, its words).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QSizePolicy, QVBoxLayout, QWidget

from app.channels.channel_type import ChannelType
from app.services.channels import ChannelSettings
from app.services.shop import Shop

from .channel_connect import ConnectBox, ConnectRequest

ERROR_INK = "#b3261e"
HELP_INK = "#555b61"
# A wrapped label is laid out for the width it asks for: ask for about the field's width.
WRAPPED_WIDTH = 380


def words(text: str) -> str:
    """A label or help text of a channel type's record, in the user's language."""
    return QCoreApplication.translate("ChannelTypes", text) if text else ""


def error_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {ERROR_INK};")
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    label.setMinimumWidth(WRAPPED_WIDTH)
    label.hide()
    return label


def help_label(parent: QWidget, text: str) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {HELP_INK};")
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    label.setMinimumWidth(WRAPPED_WIDTH)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setVisible(bool(text))
    return label


def field_box(parent: QWidget, field: QWidget, help_: QLabel, error: QLabel) -> QWidget:
    """A field with its help text and its (hidden) problem under it."""
    box = QWidget(parent)
    column = QVBoxLayout(box)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(2)
    column.addWidget(field)
    column.addWidget(help_)
    column.addWidget(error)
    return box


def caption(parent: QWidget, text: str, buddy: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setBuddy(buddy)
    return label


class TypeFields:
    """The chosen type's own rows of the form, from row *at* of *form* on.

    *edited* runs when a field is typed in (the dialog checks the form again);
    *connect_request* and *connected* are Connect…'s (``ConnectBox``).
    """

    def __init__(self, form: QFormLayout, parent: QWidget, at: int, shop: Shop,
                 edited: Callable[[], object],
                 connect_request: Callable[[], ConnectRequest | None],
                 connected: Callable[[], None]) -> None:
        self.form, self.parent, self.at, self.shop = form, parent, at, shop
        self._edited, self._connect_request, self._connected = (edited, connect_request,
                                                                connected)
        self.record: ChannelType | None = None
        self.settings: dict[str, QLineEdit] = {}
        self.credentials: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        self.connect_box: ConnectBox | None = None
        self._rows = 0

    def build(self, record: ChannelType | None, saved: ChannelSettings | None) -> None:
        """The rows of *record* (a saved channel's settings in them); a Connect… in progress
        is forgotten, with the tokens it received."""
        self.stop()
        for _ in range(self._rows):
            self.form.removeRow(self.at)
        self._rows = 0
        self.settings, self.credentials, self.errors = {}, {}, {}
        self.connect_box = None
        self.record = record
        if record is None or not record.synced:
            return
        for setting in record.settings:
            edit = QLineEdit(self.parent)
            edit.setObjectName(f"setting_{setting.key}")
            edit.setPlaceholderText(setting.default or (
                QCoreApplication.translate("ChannelDialog", "Required") if setting.required
                else QCoreApplication.translate("ChannelDialog", "Optional")))
            if saved is not None:
                edit.setText(saved.options.get(setting.key, ""))
            self.settings[setting.key] = edit
            self._add(words(setting.label), edit, words(setting.help), setting.key)
        for part in record.credentials:
            edit = QLineEdit(self.parent)
            edit.setObjectName(f"credential_{part.key}")
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            self.credentials[part.key] = edit
            self._add(words(part.label), edit, words(part.help), part.key)
        if record.credentials:
            note = help_label(self.parent, QCoreApplication.translate(
                "ChannelDialog", "Kept in this PC's keyring (Windows Credential Manager, macOS "
                "Keychain…), never in Rendo's database."))
            note.setObjectName("keyringNote")
            self._insert(QLabel("", self.parent), note)
        if record.oauth is not None:
            self.connect_box = ConnectBox(record, self.shop, self._connect_request, self.parent)
            self.connect_box.connected.connect(self._connected)
            self._insert(QLabel("", self.parent), self.connect_box)
        self.show_saved(saved)

    def _add(self, text: str, edit: QLineEdit, help_text: str, key: str) -> None:
        edit.setToolTip(help_text)
        edit.textEdited.connect(self._edited)
        self.errors[key] = error_label(self.parent)
        self._insert(caption(self.parent, text, edit),
                     field_box(self.parent, edit, help_label(self.parent, help_text),
                               self.errors[key]))

    def _insert(self, label: QLabel, field: QWidget) -> None:
        """A row shown at once (a layout would show it on its next turn, after a message meant
        for it was already given)."""
        self.form.insertRow(self.at + self._rows, label, field)
        self._rows += 1
        label.show()
        field.show()

    def show_saved(self, saved: ChannelSettings | None) -> None:
        """Each credential field says whether a value is saved (or received by Connect…):
        typing replaces just that part."""
        if self.record is None:
            return
        saved_keys = set(saved.credential_keys) if saved is not None else set()
        obtained = self.obtained()
        for part in self.record.credentials if self.record.synced else ():
            if part.key in saved_keys:
                text = QCoreApplication.translate(
                    "ChannelDialog", "Saved — type a new one only to replace it")
            elif obtained.get(part.key):
                text = QCoreApplication.translate(
                    "ChannelDialog", "Received from the channel — kept when you save")
            elif part.required:
                text = QCoreApplication.translate("ChannelDialog", "Required")
            else:
                text = QCoreApplication.translate("ChannelDialog", "Optional")
            self.credentials[part.key].setPlaceholderText(text)

    def problems(self, saved: ChannelSettings | None) -> dict[str, str]:
        """A required setting or credential part left empty (nothing saved, nothing received
        from Connect…), by key."""
        record = self.record
        if record is None or not record.synced:
            return {}
        found: dict[str, str] = {}
        for setting in record.settings:
            if setting.required and not setting.default \
                    and not self.settings[setting.key].text().strip():
                found[setting.key] = QCoreApplication.translate(
                    "ChannelDialog", "Enter the {label}.").format(label=words(setting.label))
        have = set(saved.credential_keys) if saved is not None else set()
        have |= {key for key, value in self.obtained().items() if value}
        for part in record.credentials:
            if part.required and part.key not in have \
                    and not self.credentials[part.key].text().strip():
                found[part.key] = QCoreApplication.translate(
                    "ChannelDialog", "Enter the {label}.").format(label=words(part.label))
        return found

    def show_problems(self, saved: ChannelSettings | None) -> None:
        """The problems' texts under their fields; a fixed one goes (a new one shows once
        Save is tried: ``ChannelDialog.show_problems``)."""
        found = self.problems(saved)
        for key, label in self.errors.items():
            label.setText(found.get(key, ""))
            if not label.text():
                label.hide()

    def typed_options(self) -> dict[str, str]:
        return {key: edit.text().strip() for key, edit in self.settings.items()
                if edit.text().strip()}

    def typed_credentials(self) -> dict[str, str]:
        return {key: edit.text().strip() for key, edit in self.credentials.items()
                if edit.text().strip()}

    def obtained(self) -> dict[str, str]:
        """The parts Connect… received for a channel not saved yet."""
        box = self.connect_box
        return dict(box.obtained.parts) if box is not None and box.obtained else {}

    def stop(self) -> None:
        if self.connect_box is not None:
            self.connect_box.stop()
