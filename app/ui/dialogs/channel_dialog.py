"""Channel settings: add, edit, enable or disable channels; test the connection.

The API token goes to the OS keyring through the services (never to the database); the form
never shows a saved token, only that one is saved. The connection test runs on Qt's thread
pool so the window keeps responding while a slow channel answers.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.channels.registry import synced_type_names, type_names
from app.channels.urls import check_channel_url
from app.domain.errors import BadInput
from app.domain.items import MAX_COUNT
from app.i18n import error_text
from app.services.channel_editing import ChannelForm, save_channel
from app.services.channels import adapter_as_typed, channel_settings
from app.services.channels import adapter_for as default_adapter_for
from app.services.shop import Shop
from app.sync.engine import AdapterFactory
from app.sync.state import channel_statuses

from ..background import run_in_background
from ..state_icons import sync_icon
from ..sync_words import channel_type_text, state_text
from .common import ShopDialog

NAME_ROLE = Qt.ItemDataRole.UserRole + 1
MAX_NUMBER = MAX_COUNT  # the one bound of every count
OK_INK = "#1b5e20"
ERROR_INK = "#b3261e"
# A wrapped label is laid out for the width it asks for: ask for about the field's width.
WRAPPED_WIDTH = 400


def _close(adapter: object) -> None:
    close = getattr(adapter, "close", None)
    if callable(close):
        close()


class ChannelDialog(ShopDialog):
    """A list of the channels on the left, the chosen one's settings on the right."""

    first_sync_requested = Signal(str)
    changed = Signal()

    def __init__(self, shop: Shop, parent: QWidget | None = None,
                 adapter_for: AdapterFactory | None = None, select: str | None = None) -> None:
        super().__init__(parent)
        self.shop = shop
        self.adapter_for = adapter_for or default_adapter_for
        self.current: str | None = None  # None: a new channel
        self.testing = False
        self.setObjectName("channelDialog")
        self.setWindowTitle(self.tr("Channels"))

        left = self._build_list()
        right = QVBoxLayout()
        right.addWidget(self._build_form())
        right.addLayout(self._build_test_row())
        right.addWidget(self._build_first_sync_note())
        right.addWidget(self._build_message())
        right.addStretch(1)
        body = QHBoxLayout()
        body.addLayout(left, 2)
        body.addLayout(right, 5)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self._build_buttons())

        for signal in (self.name.textEdited, self.url.textEdited, self.token.textEdited):
            signal.connect(self.validate)
        self.type.currentIndexChanged.connect(self._type_changed)
        self._select = select
        self.load()

    # -- building the dialog, one widget group each (in the order of the tab chain) -----------
    def _build_list(self) -> QVBoxLayout:
        """The channels on the left, with Add channel."""
        self.channel_list = QListWidget(self)
        self.channel_list.setObjectName("channelList")
        self.channel_list.setIconSize(QSize(16, 16))
        self.channel_list.currentItemChanged.connect(self._chosen)
        self.add_button = QPushButton(self.tr("Add channel"), self)
        self.add_button.setObjectName("addChannel")
        self.add_button.clicked.connect(self.new_channel)
        left = QVBoxLayout()
        left.addWidget(QLabel(self.tr("Your channels"), self))
        left.addWidget(self.channel_list, 1)
        left.addWidget(self.add_button)
        return left

    def _build_form(self) -> QGroupBox:
        """The chosen channel's settings, a caption and (hidden) problem under each field."""
        self.form_box = QGroupBox(self)
        self._build_fields()
        form = QGridLayout(self.form_box)
        form.setColumnStretch(1, 1)
        form.setVerticalSpacing(6)
        rows: list[tuple[str, QWidget]] = [
            (self.tr("Name"), self.name), ("", self.name_error),
            (self.tr("Type"), self.type), ("", self.enabled),
            (self.tr("API address"), self.url), ("", self.url_error),
            (self.tr("API token"), self.token), ("", self.token_note),
            (self.tr("Maximum shown"), self.maximum),
            (self.tr("Shown for unlimited items"), self.unlimited_qty),
        ]
        for number, (label, field) in enumerate(rows):
            if label:
                caption = QLabel(label, self.form_box)
                caption.setBuddy(field)
                form.addWidget(caption, number, 0)
            alignment = Qt.AlignmentFlag.AlignLeft if isinstance(field, QSpinBox | QComboBox) \
                else Qt.AlignmentFlag(0)
            form.addWidget(field, number, 1, alignment)
        self.form = form
        return self.form_box

    def _build_fields(self) -> None:
        self.name = QLineEdit(self.form_box)
        self.name.setObjectName("channelName")
        self.name.setPlaceholderText(self.tr("e.g. rakuten"))
        self.name_error = self._error_label()
        self.type = QComboBox(self.form_box)
        self.type.setObjectName("channelType")
        for type_ in type_names():
            self.type.addItem(channel_type_text(type_), type_)
        self.enabled = QCheckBox(self.tr("Sync this channel"), self.form_box)
        self.enabled.setObjectName("channelEnabled")
        self.url = QLineEdit(self.form_box)
        self.url.setObjectName("channelUrl")
        self.url.setPlaceholderText("https://…")
        self.url_error = self._error_label()
        self.token = QLineEdit(self.form_box)
        self.token.setObjectName("channelToken")
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_note = QLabel(self.tr(
            "Kept in this PC's keyring (Windows Credential Manager, macOS Keychain…), never in "
            "Rendo's database."), self.form_box)
        self.token_note.setWordWrap(True)
        self.token_note.setStyleSheet("color: #555b61;")
        self.token_note.setSizePolicy(QSizePolicy.Policy.Expanding,
                                      QSizePolicy.Policy.Preferred)
        self.token_note.setMinimumWidth(WRAPPED_WIDTH)
        self.maximum = QSpinBox(self.form_box)
        self.maximum.setObjectName("channelMaximum")
        self.maximum.setRange(0, MAX_NUMBER)
        self.maximum.setSpecialValueText(self.tr("No limit"))
        self.maximum.setGroupSeparatorShown(True)
        self.maximum.setToolTip(self.tr(
            "The highest number Rendo ever shows on this channel."))
        self.unlimited_qty = QSpinBox(self.form_box)
        self.unlimited_qty.setObjectName("channelUnlimited")
        self.unlimited_qty.setRange(0, MAX_NUMBER)
        self.unlimited_qty.setGroupSeparatorShown(True)
        self.unlimited_qty.setToolTip(self.tr(
            "What this channel shows for made-to-order (unlimited) items."))

    def _build_test_row(self) -> QHBoxLayout:
        """Test connection, its busy bar and its answer."""
        self.test_button = QPushButton(self.tr("Test connection"), self)
        self.test_button.setObjectName("testConnection")
        self.test_button.clicked.connect(self.test_connection)
        self.test_busy = QProgressBar(self)
        self.test_busy.setRange(0, 0)
        self.test_busy.setTextVisible(False)
        self.test_busy.setFixedWidth(80)
        self.test_busy.setMaximumHeight(self.fontMetrics().height())
        self.test_busy.hide()
        self.test_result = QLabel(self)
        self.test_result.setObjectName("testResult")
        self.test_result.setWordWrap(True)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_busy)
        test_row.addWidget(self.test_result, 1)
        return test_row

    def _build_first_sync_note(self) -> QFrame:
        """The note (hidden until needed) that a channel waits for its first-sync choice."""
        self.first_sync = QFrame(self)
        self.first_sync.setObjectName("firstSyncNote")
        self.first_sync.setStyleSheet(
            "#firstSyncNote { background: #fff6e0; border: 1px solid #f0d28c; border-radius: "
            "4px; } #firstSyncNote QLabel { color: #5c4100; background: transparent; }")
        self.first_sync_text = QLabel(self.first_sync)
        self.first_sync_text.setWordWrap(True)
        self.first_sync_button = QPushButton(self.tr("Choose first sync…"), self.first_sync)
        self.first_sync_button.setObjectName("chooseFirstSync")
        self.first_sync_button.clicked.connect(self._choose_first_sync)
        note_row = QHBoxLayout(self.first_sync)
        note_row.setContentsMargins(10, 6, 6, 6)
        note_row.addWidget(self.first_sync_text, 1)
        note_row.addWidget(self.first_sync_button)
        self.first_sync.hide()
        return self.first_sync

    def _build_message(self) -> QLabel:
        """What the last Save did (green) or why it was refused (red)."""
        self.message = QLabel(self)
        self.message.setObjectName("saveMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        return self.message

    def _build_buttons(self) -> QDialogButtonBox:
        """Save (the dialog stays open) and Close."""
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.save_button = self.buttons.addButton(self.tr("Save"),
                                                  QDialogButtonBox.ButtonRole.ApplyRole)
        self.save_button.setObjectName("saveChannel")
        self.save_button.clicked.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        return self.buttons

    def load(self) -> None:
        """The saved channels, the one asked for chosen; none yet: a new channel's form."""
        self.reload(self._select)
        if self.channel_list.count() == 0:
            self.new_channel()

    def sizeHint(self) -> QSize:
        return QSize(860, 520)

    def _error_label(self) -> QLabel:
        label = QLabel(self.form_box)
        label.setWordWrap(True)
        label.setStyleSheet(f"color: {ERROR_INK};")
        label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        label.setMinimumWidth(WRAPPED_WIDTH)
        label.hide()
        return label

    # -- the list ---------------------------------------------------------------------------
    def reload(self, select: str | None = None) -> None:
        """Re-read the channels (cheap) and select *select* (or keep the current one)."""
        select = select if select is not None else self.current
        self.channel_list.blockSignals(True)
        self.channel_list.clear()
        self._statuses = {s.name: s for s in channel_statuses()}
        for status in self._statuses.values():
            if not status.enabled:
                state = "disabled"
            elif status.type == "manual":
                state = "manual"
            elif status.waiting_for_choice:
                state = "waiting"
            else:
                state = status.state
            text = status.name
            if not status.enabled:
                text = self.tr("{name} (disabled)").format(name=status.name)
            item = QListWidgetItem(sync_icon(state), text)
            item.setData(NAME_ROLE, status.name)
            item.setToolTip(f"{channel_type_text(status.type)} · {state_text(state)}")
            self.channel_list.addItem(item)
        self.channel_list.blockSignals(False)
        for number in range(self.channel_list.count()):
            if self.channel_list.item(number).data(NAME_ROLE) == select:
                self.channel_list.setCurrentRow(number)
                return
        if self.channel_list.count():
            self.channel_list.setCurrentRow(0)

    def _chosen(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        if item is None:
            return
        self.show_channel(str(item.data(NAME_ROLE)))

    def show_channel(self, name: str) -> None:
        channel = channel_settings(name)
        if channel is None:
            return
        self.current = name
        self.form_box.setTitle(name)
        self.name.setText(name)
        self.name.setReadOnly(True)
        self.type.setCurrentIndex(max(0, self.type.findData(channel.type)))
        self.type.setEnabled(False)
        self.enabled.setChecked(channel.enabled)
        self.url.setText(channel.url)
        self.token.clear()
        self.token.setPlaceholderText(
            self.tr("Saved — type a new one only to replace it") if channel.has_token
            else self.tr("Not saved yet"))
        self.maximum.setValue(channel.maximum or 0)
        self.unlimited_qty.setValue(channel.unlimited_qty)
        self._clear_feedback()
        self._type_changed()
        self._show_first_sync_note()

    def new_channel(self) -> None:
        self.current = None
        self.channel_list.blockSignals(True)
        self.channel_list.clearSelection()
        self.channel_list.setCurrentRow(-1)
        self.channel_list.blockSignals(False)
        self.form_box.setTitle(self.tr("New channel"))
        self.name.clear()
        self.name.setReadOnly(False)
        self.type.setEnabled(True)
        self.type.setCurrentIndex(max(0, self.type.findData("sandbox")))
        self.enabled.setChecked(True)
        self.url.clear()
        self.token.clear()
        self.token.setPlaceholderText(self.tr("The token issued in the channel's admin page"))
        self.maximum.setValue(0)
        self.unlimited_qty.setValue(9999)
        self._clear_feedback()
        self._type_changed()
        self.first_sync.hide()
        self.name.setFocus()

    def _clear_feedback(self) -> None:
        self.test_result.clear()
        self.message.hide()
        for label in (self.name_error, self.url_error):
            label.hide()

    def _type_changed(self, *_: object) -> None:
        synced = self.type.currentData() in synced_type_names()
        for widget in (self.url, self.token, self.token_note, self.test_button):
            widget.setEnabled(synced)
        self.validate()

    def _show_first_sync_note(self) -> None:
        status = self._statuses.get(self.current or "")
        waiting = bool(status and status.enabled and status.waiting_for_choice)
        if waiting:
            self.first_sync_text.setText(self.tr(
                "<b>{name}</b> is not synced yet: choose whether Rendo takes the channel's "
                "numbers or uploads its own.").format(name=html.escape(self.current or "")))
        self.first_sync.setVisible(waiting)

    def _choose_first_sync(self) -> None:
        if self.current is None:
            return
        self.first_sync_requested.emit(self.current)
        from .first_sync_dialog import FirstSyncDialog

        dialog = FirstSyncDialog(self.shop, self.current, self.adapter_for, self)
        dialog.finished.connect(lambda _result: self.reload())
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        self.first_sync_dialog = dialog

    # -- checking ---------------------------------------------------------------------------
    def _name_problem(self) -> str:
        if self.current is not None:
            return ""
        name = self.name.text().strip()
        if not name:
            return self.tr("Give the channel a short name, e.g. rakuten or yahoo.")
        if any(sign in name for sign in "=,:"):
            return self.tr("A channel name cannot contain = , or :")
        if name in self._statuses:
            return self.tr("There is already a channel called {name}.").format(name=name)
        return ""

    def _url_problem(self) -> str:
        if self.type.currentData() not in synced_type_names():
            return ""
        url = self.url.text().strip()
        if not url:
            return self.tr("Enter the address of the channel's API.")
        try:
            check_channel_url(url)
        except BadInput as error:
            return error_text(error)  # the precise reason: user-info, backslash, odd host…
        return ""

    def validate(self, *_: object) -> bool:
        """Show what is wrong next to the field; Save and Test only when it can work."""
        name_problem = self._name_problem()
        url_problem = self._url_problem()
        typed_name = bool(self.name.text().strip()) or self.current is not None
        typed_url = bool(self.url.text().strip())
        self.name_error.setText(name_problem)
        self.name_error.setVisible(bool(name_problem) and typed_name)
        self.url_error.setText(url_problem)
        self.url_error.setVisible(bool(url_problem) and typed_url)
        ok = not name_problem and not url_problem
        self.save_button.setEnabled(ok)
        synced = self.type.currentData() in synced_type_names()
        self.test_button.setEnabled(synced and not url_problem and not self.testing)
        return ok

    # -- saving (ShopDialog: Save runs apply(), the dialog stays open) ------------------------
    def check(self) -> list[str]:
        self.validate()
        return [problem for problem in (self._name_problem(), self._url_problem()) if problem]

    def show_problems(self, problems: Sequence[str]) -> None:
        """A field's problem under its field; what the services refuse, under the form."""
        fields = [label for label in (self.name_error, self.url_error)
                  if label.text() and label.text() in problems]
        for label in fields:
            label.show()
        if not fields:
            self._say("\n".join(problems), error=True)

    def form_values(self) -> ChannelForm:
        """The form as typed (a manual channel has no address and no token)."""
        synced = self.type.currentData() in synced_type_names()
        return ChannelForm(
            name=self.current or self.name.text().strip(), type=str(self.type.currentData()),
            enabled=self.enabled.isChecked(), url=self.url.text().strip() if synced else "",
            token=(self.token.text().strip() or None) if synced else None,
            maximum=self.maximum.value() or None, unlimited_qty=self.unlimited_qty.value())

    def save(self) -> None:
        save_channel(self.shop, self.form_values(), adding=self.current is None)

    def refused(self) -> None:
        """Keep the form as typed (a reload would show a saved channel over it); only learn
        the channels as they are now, e.g. one of the same name added meanwhile."""
        self._statuses = {s.name: s for s in channel_statuses()}
        self.validate()

    def apply(self) -> bool:
        adding, form = self.current is None, self.form_values()
        if not super().apply():
            return False
        self.changed.emit()
        self.reload(form.name)
        if adding and form.type in synced_type_names():
            self._say(self.tr("{name} added. Before it syncs, choose how the first sync "
                              "starts.").format(name=form.name))
        else:
            self._say(self.tr("{name} saved.").format(name=form.name))
        return True

    def _say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet(f"color: {ERROR_INK if error else OK_INK};")
        self.message.setText(text)
        self.message.show()

    # -- testing ----------------------------------------------------------------------------
    def test_connection(self) -> None:
        """Ask the channel whether it answers, with the settings as typed (not saved yet)."""
        if self._url_problem() or self.testing:
            return
        name = self.current or self.name.text().strip() or "test"
        type_, url = str(self.type.currentData()), self.url.text().strip()
        token = self.token.text().strip() or None
        factory = self.adapter_for

        def work() -> bool:
            adapter = adapter_as_typed(name, type_, url, {"token": token} if token else None,
                                       factory)
            if adapter is None:
                return False
            try:
                adapter.test_connection()
            finally:
                _close(adapter)
            return True

        self.testing = True
        self.test_busy.show()
        self.test_result.setStyleSheet("")
        self.test_result.setText(self.tr("Asking the channel…"))
        self.test_result.setToolTip("")
        self.validate()
        run_in_background(work, self, self._tested, self._test_failed)

    @Slot(object)
    def _tested(self, _result: object) -> None:
        self._test_done()
        self.test_result.setStyleSheet(f"color: {OK_INK};")
        self.test_result.setText(self.tr("Connected: the channel answers."))

    @Slot(str, str)
    def _test_failed(self, message: str, detail: str) -> None:
        self._test_done()
        self.test_result.setStyleSheet(f"color: {ERROR_INK};")
        self.test_result.setText(self.tr("Not connected: {message}").format(message=message))
        self.test_result.setToolTip(detail)

    def _test_done(self) -> None:
        self.testing = False
        self.test_busy.hide()
        self.validate()


def edit_channels(shop: Shop, parent: QWidget | None = None,
                  adapter_for: AdapterFactory | None = None) -> bool:
    """Show the channel settings modally; True when something was saved."""
    dialog = ChannelDialog(shop, parent, adapter_for)
    saved: list[bool] = []
    dialog.changed.connect(lambda: saved.append(True))
    dialog.exec()
    return bool(saved)
