"""Channel settings: add, edit, enable or disable channels; test the connection; connect an
OAuth channel in the browser.

The form is read from the channel type's record (``app.channels.registry``): the address,
one field per setting and one password field per credential part, each with its help text,
so a new channel type shows its own form without a change here. Credentials go to the OS
keyring through the services (never to the database); the form never shows a saved part,
only that one is saved. The connection test and the code exchange run on Qt's thread pool so
the window keeps responding while a slow channel answers.
"""

from __future__ import annotations

import contextlib
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QObject, QSize, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.channels import registry
from app.channels.base import ChannelError, Credentials, MemoryCredentials
from app.channels.channel_type import ChannelType
from app.channels.urls import check_channel_url
from app.domain.errors import BadInput, RendoError
from app.domain.items import MAX_COUNT
from app.i18n import error_text
from app.services.channel_checks import check_settings
from app.services.channel_editing import ChannelForm, form_credentials, save_channel
from app.services.channel_words import error_words, type_label
from app.services.channels import ChannelSettings, adapter_as_typed, channel_settings
from app.services.channels import adapter_for as default_adapter_for
from app.services.oauth_redirect import (
    DEFAULT_TIMEOUT_S,
    LoopbackRedirect,
    code_from_answer,
    loopback_address,
    new_state,
)
from app.services.secrets import KeyringCredentials
from app.services.shop import Shop
from app.sync.engine import AdapterFactory
from app.sync.state import channel_statuses

from ..background import run_in_background
from ..state_icons import sync_icon
from ..sync_words import state_text
from .common import ShopDialog

NAME_ROLE = Qt.ItemDataRole.UserRole + 1
MAX_NUMBER = MAX_COUNT  # the one bound of every count
OK_INK = "#1b5e20"
ERROR_INK = "#b3261e"
HELP_INK = "#555b61"
# A wrapped label is laid out for the width it asks for: ask for about the field's width.
WRAPPED_WIDTH = 380


def _close(adapter: object) -> None:
    close = getattr(adapter, "close", None)
    if callable(close):
        close()


def _words(text: str) -> str:
    """A label or help text of a channel type's record, in the user's language."""
    return QCoreApplication.translate("ChannelTypes", text) if text else ""


@dataclass
class _Authorization:
    """One "Connect…" in progress: where the tokens go and what the channel must send back."""

    record: ChannelType
    settings: dict[str, object]
    store: Credentials
    state: str


class _RedirectBridge(QObject):
    """Carries the loopback listener's answer (its own thread) to the dialog's thread."""

    answered = Signal(str, object)

    def deliver(self, code: str, refusal: RendoError | None) -> None:
        # RuntimeError: the dialog is gone, nobody waits for the code any more
        with contextlib.suppress(RuntimeError):
            self.answered.emit(code, refusal)


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
        self.saved: ChannelSettings | None = None
        self.testing = False
        self.connecting = False
        # How "Connect…" opens the channel's authorization page (tests record the address).
        self.open_browser: Callable[[QUrl], object] = QDesktopServices.openUrl
        self.redirect_timeout_s = DEFAULT_TIMEOUT_S
        self._authorization: _Authorization | None = None
        self._listener: LoopbackRedirect | None = None
        self._obtained: MemoryCredentials | None = None  # tokens of a channel not saved yet
        self._bridge = _RedirectBridge(self)
        self._bridge.answered.connect(self._redirected)
        self.setting_fields: dict[str, QLineEdit] = {}
        self.credential_fields: dict[str, QLineEdit] = {}
        self.field_errors: dict[str, QLabel] = {}
        self._type_rows = 0
        self._built_type: str | None = None
        self.oauth_box: QWidget | None = None
        self.setObjectName("channelDialog")
        self.setWindowTitle(self.tr("Channels"))

        left = self._build_list()
        right = QVBoxLayout()
        right.addWidget(self._build_form(), 1)
        right.addLayout(self._build_test_row())
        right.addWidget(self._build_first_sync_note())
        right.addWidget(self._build_message())
        body = QHBoxLayout()
        body.addLayout(left, 2)
        body.addLayout(right, 5)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self._build_buttons())

        for signal in (self.name.textEdited, self.url.textEdited):
            signal.connect(self.validate)
        self.type.currentIndexChanged.connect(self._type_changed)
        self._select = select
        self.load()
        self._fit_screen()

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

    def _build_form(self) -> QScrollArea:
        """The chosen channel's settings: the fields every channel has, and between them the
        fields of its type (rebuilt when the type changes). Scrolls when a type has many."""
        self.form_box = QGroupBox(self)
        self._build_fields()
        form = QFormLayout(self.form_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        form.setVerticalSpacing(8)
        self.form = form
        self.url_caption = QLabel(self.tr("API address"), self.form_box)
        self.url_caption.setBuddy(self.url)
        form.addRow(self._caption(self.tr("Name"), self.name),
                    self._field_box(self.name, "", self.name_error))
        form.addRow(self._caption(self.tr("Type"), self.type), self.type)
        form.addRow("", self.enabled)
        self.url_box = self._field_box(self.url, "", self.url_error, help_label=self.url_help)
        form.addRow(self.url_caption, self.url_box)
        form.addRow(self._caption(self.tr("Maximum shown"), self.maximum), self.maximum)
        form.addRow(self._caption(self.tr("Shown for unlimited items"), self.unlimited_qty),
                    self.unlimited_qty)
        self._type_rows_at = 4  # after the address
        scroll = QScrollArea(self)
        scroll.setObjectName("channelForm")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.form_box)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.form_scroll = scroll
        return scroll

    def _build_fields(self) -> None:
        self.name = QLineEdit(self.form_box)
        self.name.setObjectName("channelName")
        self.name.setPlaceholderText(self.tr("e.g. rakuten"))
        self.name_error = self._error_label()
        self.type = QComboBox(self.form_box)
        self.type.setObjectName("channelType")
        self.type.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.type.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        for name, record in registry.channel_types().items():
            self.type.addItem(_words(record.label), name)
        self.enabled = QCheckBox(self.tr("Sync this channel"), self.form_box)
        self.enabled.setObjectName("channelEnabled")
        self.url = QLineEdit(self.form_box)
        self.url.setObjectName("channelUrl")
        self.url_error = self._error_label()
        self.url_help = self._help_label("")
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
        for spin in (self.maximum, self.unlimited_qty):
            spin.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

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
        self.test_result.setSizePolicy(QSizePolicy.Policy.Expanding,
                                       QSizePolicy.Policy.Preferred)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignTop)
        test_row.addWidget(self.test_busy, 0, Qt.AlignmentFlag.AlignTop)
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
        return QSize(900, 640)

    def _fit_screen(self) -> None:
        """The size asked for, within the screen (Qt alone would stop at two thirds of its
        height, and a type with many fields would scroll on a laptop with room to spare)."""
        wanted = self.sizeHint()
        screen = self.screen()
        if screen is not None:
            room = screen.availableGeometry()
            wanted = wanted.boundedTo(QSize(int(room.width() * 0.95), int(room.height() * 0.9)))
        self.resize(wanted)

    def _caption(self, text: str, buddy: QWidget) -> QLabel:
        caption = QLabel(text, self.form_box)
        caption.setBuddy(buddy)
        return caption

    def _error_label(self) -> QLabel:
        label = QLabel(self.form_box)
        label.setWordWrap(True)
        label.setStyleSheet(f"color: {ERROR_INK};")
        label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        label.setMinimumWidth(WRAPPED_WIDTH)
        label.hide()
        return label

    def _help_label(self, text: str) -> QLabel:
        label = QLabel(text, self.form_box)
        label.setWordWrap(True)
        label.setStyleSheet(f"color: {HELP_INK};")
        label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        label.setMinimumWidth(WRAPPED_WIDTH)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setVisible(bool(text))
        return label

    def _field_box(self, field: QWidget, help_text: str, error: QLabel,
                   help_label: QLabel | None = None) -> QWidget:
        """A field with its help text and its (hidden) problem under it."""
        box = QWidget(self.form_box)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(field)
        column.addWidget(help_label if help_label is not None else self._help_label(help_text))
        column.addWidget(error)
        return box

    # -- the type's own fields ----------------------------------------------------------------
    def record(self) -> ChannelType | None:
        return registry.channel_type(str(self.type.currentData()))

    def _build_type_rows(self) -> None:
        """The fields of the chosen type: address, settings, credential parts, Connect…"""
        for _ in range(self._type_rows):
            self.form.removeRow(self._type_rows_at)
        self._type_rows = 0
        self.setting_fields, self.credential_fields = {}, {}
        self.field_errors = {}
        self.oauth_box = None
        record = self.record()
        self._built_type = record.name if record else None
        self._show_url_row(record)
        if record is None or not record.synced:
            return
        saved = self.saved
        for setting in record.settings:
            edit = QLineEdit(self.form_box)
            edit.setObjectName(f"setting_{setting.key}")
            edit.setPlaceholderText(setting.default or (
                self.tr("Required") if setting.required else self.tr("Optional")))
            if saved is not None:
                edit.setText(saved.options.get(setting.key, ""))
            self.setting_fields[setting.key] = edit
            self._add_type_row(_words(setting.label), edit, _words(setting.help), setting.key)
        for part in record.credentials:
            edit = QLineEdit(self.form_box)
            edit.setObjectName(f"credential_{part.key}")
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            self.credential_fields[part.key] = edit
            self._add_type_row(_words(part.label), edit, _words(part.help), part.key)
        if record.credentials:
            note = self._help_label(self.tr(
                "Kept in this PC's keyring (Windows Credential Manager, macOS Keychain…), never "
                "in Rendo's database."))
            note.setObjectName("keyringNote")
            self._insert_row(QLabel("", self.form_box), note)
        if record.oauth is not None:
            self._insert_row(QLabel("", self.form_box), self._build_oauth_row())
        self._show_credential_state()

    def _insert_row(self, caption: QLabel, field: QWidget) -> None:
        """A row of the type's own, shown at once (a layout would show it on its next turn,
        after a message meant for it was already given)."""
        self.form.insertRow(self._type_rows_at + self._type_rows, caption, field)
        self._type_rows += 1
        caption.show()
        field.show()

    def _add_type_row(self, caption: str, edit: QLineEdit, help_text: str, key: str) -> None:
        edit.setToolTip(help_text)
        edit.textEdited.connect(self.validate)
        error = self._error_label()
        self.field_errors[key] = error
        self._insert_row(self._caption(caption, edit), self._field_box(edit, help_text, error))

    def _show_url_row(self, record: ChannelType | None) -> None:
        """The address: needed where the channel lives on the shop's own host, else only to
        point Rendo at a test copy of the channel."""
        synced = record is not None and record.synced
        self.form.setRowVisible(self.url_box, synced)
        if record is None or not synced:
            return
        if record.default_url is None:
            self.url_caption.setText(self.tr("API address"))
            self.url.setPlaceholderText("https://…")
            self.url_help.setText("")
        else:
            self.url_caption.setText(self.tr("Test address"))
            self.url.setPlaceholderText(record.default_url)
            self.url_help.setText(self.tr(
                "Optional: only to point Rendo at a test copy of the channel. Leave it empty "
                "to use the channel itself."))
        self.url_help.setVisible(bool(self.url_help.text()))

    def _build_oauth_row(self) -> QWidget:
        """Connect… (the browser), what happened, and where to paste the code when the
        channel cannot send it back to this PC."""
        box = QWidget(self.form_box)
        self.oauth_box = box
        self.connect_button = QPushButton(self.tr("Connect…"), box)
        self.connect_button.setObjectName("oauthConnect")
        self.connect_button.setToolTip(self.tr(
            "Opens the channel's page in your browser where you allow Rendo to manage your "
            "stock; the channel then gives Rendo its keys."))
        self.connect_button.clicked.connect(self.connect_oauth)
        self.oauth_status = QLabel(box)
        self.oauth_status.setObjectName("oauthStatus")
        self.oauth_status.setWordWrap(True)
        self.oauth_status.setSizePolicy(QSizePolicy.Policy.Expanding,
                                        QSizePolicy.Policy.Preferred)
        self.oauth_code = QLineEdit(box)
        self.oauth_code.setObjectName("oauthCode")
        self.oauth_code.setPlaceholderText(self.tr("The code, or the whole address"))
        self.oauth_code.returnPressed.connect(self.use_pasted_code)
        self.oauth_use = QPushButton(self.tr("Use code"), box)
        self.oauth_use.setObjectName("oauthUseCode")
        self.oauth_use.clicked.connect(self.use_pasted_code)
        top = QHBoxLayout()
        top.addWidget(self.connect_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.oauth_status, 1)
        paste = QHBoxLayout()
        paste.addWidget(self.oauth_code, 1)
        paste.addWidget(self.oauth_use)
        self.oauth_paste = QWidget(box)
        self.oauth_paste.setLayout(paste)
        paste.setContentsMargins(0, 0, 0, 0)
        self.oauth_paste.hide()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(top)
        column.addWidget(self.oauth_paste)
        return box

    def _show_credential_state(self) -> None:
        """Each credential field says whether a value is saved (or received by Connect…):
        typing replaces just that part."""
        record = self.record()
        if record is None:
            return
        saved_keys = set(self.saved.credential_keys) if self.saved is not None else set()
        obtained = self._obtained.parts if self._obtained is not None else {}
        for part in record.credentials:
            edit = self.credential_fields[part.key]
            if part.key in saved_keys:
                text = self.tr("Saved — type a new one only to replace it")
            elif obtained.get(part.key):
                text = self.tr("Received from the channel — kept when you save")
            elif part.required:
                text = self.tr("Required")
            else:
                text = self.tr("Optional")
            edit.setPlaceholderText(text)

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
            item.setToolTip(f"{type_label(status.type)} · {state_text(state)}")
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
        self._stop_authorization()
        self._obtained = None
        self.current, self.saved = name, channel
        self.form_box.setTitle(name)
        self.name.setText(name)
        self.name.setReadOnly(True)
        self._choose_type(channel.type)
        self.type.setEnabled(False)
        self.enabled.setChecked(channel.enabled)
        self.url.setText(channel.url)
        self.maximum.setValue(channel.maximum or 0)
        self.unlimited_qty.setValue(channel.unlimited_qty)
        self._clear_feedback()
        self.validate()
        self._show_first_sync_note()

    def new_channel(self) -> None:
        self._stop_authorization()
        self._obtained = None
        self.current, self.saved = None, None
        self.channel_list.blockSignals(True)
        self.channel_list.clearSelection()
        self.channel_list.setCurrentRow(-1)
        self.channel_list.blockSignals(False)
        self.form_box.setTitle(self.tr("New channel"))
        self.name.clear()
        self.name.setReadOnly(False)
        self.type.setEnabled(True)
        self._choose_type("sandbox")
        self.enabled.setChecked(True)
        self.url.clear()
        self.maximum.setValue(0)
        self.unlimited_qty.setValue(9999)
        self._clear_feedback()
        self.validate()
        self.first_sync.hide()
        self.name.setFocus()

    def _choose_type(self, type_: str) -> None:
        """Show *type_*'s fields, rebuilt (a saved channel's values in them)."""
        self.type.blockSignals(True)
        self.type.setCurrentIndex(max(0, self.type.findData(type_)))
        self.type.blockSignals(False)
        self._build_type_rows()

    def _clear_feedback(self) -> None:
        self.test_result.clear()
        self.test_result.setToolTip("")
        self.message.hide()
        for label in (self.name_error, self.url_error, *self.field_errors.values()):
            label.hide()

    def _type_changed(self, *_: object) -> None:
        """Another type for a new channel: its own fields (the name stays)."""
        if self._built_type != self.type.currentData():
            self._stop_authorization()
            self._obtained = None
            self._build_type_rows()
            self._clear_feedback()
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
    def synced(self) -> bool:
        record = self.record()
        return record is not None and record.synced

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
        record = self.record()
        if record is None or not record.synced:
            return ""
        url = self.url.text().strip()
        if not url:
            if record.default_url is None:
                return self.tr("Enter the address of the channel's API.")
            return ""
        try:
            check_channel_url(url)
        except BadInput as error:
            return error_text(error)  # the precise reason: user-info, backslash, odd host…
        return ""

    def _field_problems(self) -> dict[str, str]:
        """A required setting or credential part left empty (nothing saved, nothing received
        from Connect…), by key."""
        record = self.record()
        if record is None or not record.synced:
            return {}
        problems: dict[str, str] = {}
        for setting in record.settings:
            if setting.required and not setting.default \
                    and not self.setting_fields[setting.key].text().strip():
                problems[setting.key] = self.tr("Enter the {label}.").format(
                    label=_words(setting.label))
        have = set(self.saved.credential_keys) if self.saved is not None else set()
        have |= {k for k, v in (self._obtained.parts if self._obtained else {}).items() if v}
        for part in record.credentials:
            if part.required and part.key not in have \
                    and not self.credential_fields[part.key].text().strip():
                problems[part.key] = self.tr("Enter the {label}.").format(
                    label=_words(part.label))
        return problems

    def validate(self, *_: object) -> bool:
        """Show what is wrong next to the field; Save and Test only when it can work.

        A required field left empty is said under it once Save was tried (not while the
        user has not got there yet); the name and the address as soon as they are typed.
        """
        name_problem = self._name_problem()
        url_problem = self._url_problem()
        typed_name = bool(self.name.text().strip()) or self.current is not None
        typed_url = bool(self.url.text().strip())
        self.name_error.setText(name_problem)
        self.name_error.setVisible(bool(name_problem) and typed_name)
        self.url_error.setText(url_problem)
        self.url_error.setVisible(bool(url_problem) and typed_url)
        field_problems = self._field_problems()
        for key, label in self.field_errors.items():
            label.setText(field_problems.get(key, ""))
            if not label.text():
                label.hide()
        ok = not name_problem and not url_problem
        self.save_button.setEnabled(ok)
        self.test_button.setEnabled(self.synced() and not url_problem and not self.testing)
        if self.oauth_box is not None:
            self.connect_button.setEnabled(not self.connecting)
            self.oauth_use.setEnabled(not self.connecting)
        return ok

    # -- saving (ShopDialog: Save runs apply(), the dialog stays open) ------------------------
    def check(self) -> list[str]:
        self.validate()
        problems = [self._name_problem(), self._url_problem(),
                    *self._field_problems().values()]
        return [problem for problem in problems if problem]

    def show_problems(self, problems: Sequence[str]) -> None:
        """A field's problem under its field; what the services refuse, under the form."""
        fields = [label for label in (self.name_error, self.url_error,
                                      *self.field_errors.values())
                  if label.text() and label.text() in problems]
        for label in fields:
            label.show()
        if fields:
            self.form_scroll.ensureWidgetVisible(fields[0])
        else:
            self._say("\n".join(problems), error=True)

    def _typed_options(self) -> dict[str, str]:
        return {key: edit.text().strip() for key, edit in self.setting_fields.items()
                if edit.text().strip()}

    def _typed_credentials(self) -> dict[str, str]:
        """The parts typed, over those Connect… received for a channel not saved yet."""
        record = self.record()
        obtained = {k: v for k, v in (self._obtained.parts if self._obtained else {}).items()
                    if v and record is not None and record.credential(k) is not None}
        typed = {key: edit.text().strip() for key, edit in self.credential_fields.items()
                 if edit.text().strip()}
        return {**obtained, **typed}

    def form_values(self) -> ChannelForm:
        """The form as typed (a manual channel has no address, settings nor credentials)."""
        synced = self.synced()
        return ChannelForm(
            name=self.current or self.name.text().strip(), type=str(self.type.currentData()),
            enabled=self.enabled.isChecked(), url=self.url.text().strip() if synced else "",
            maximum=self.maximum.value() or None, unlimited_qty=self.unlimited_qty.value(),
            options=self._typed_options() if synced else {},
            credentials=self._typed_credentials() if synced else {})

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
        self._obtained = None
        self.current = form.name  # the list shows it again, saved
        self.reload(form.name)
        record = registry.channel_type(form.type)
        if adding and record is not None and record.synced:
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
        if self._url_problem() or self.testing or not self.synced():
            return
        name = self.current or self.name.text().strip() or "test"
        type_, url = str(self.type.currentData()), self.url.text().strip()
        typed, options = self._typed_credentials(), self._typed_options()
        saved, factory = self.current is not None, self.adapter_for

        def work() -> ChannelError | None:
            # Nothing typed: the saved channel's own keyring entry, so that a token the
            # channel renews during the test (a rotated refresh token) is kept.
            credentials = form_credentials(name, typed, saved) if typed else None
            adapter = adapter_as_typed(name, type_, url, credentials, factory, options)
            if adapter is None:
                return None
            try:
                adapter.test_connection()
            except ChannelError as error:  # worded by its kind, in the window's thread
                return error
            finally:
                _close(adapter)
            return None

        self._tested_channel = (name, type_)
        self.testing = True
        self.test_busy.show()
        self.test_result.setStyleSheet("")
        self.test_result.setText(self.tr("Asking the channel…"))
        self.test_result.setToolTip("")
        self.validate()
        run_in_background(work, self, self._tested, self._test_failed)

    @Slot(object)
    def _tested(self, result: object) -> None:
        if isinstance(result, ChannelError):
            name, type_ = self._tested_channel
            words = error_words(name, type_, result.kind, renew=result.renew)
            self._test_failed(words, str(result))
            return
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

    # -- connecting an OAuth channel in the browser ---------------------------------------------
    def connect_oauth(self) -> None:
        """Open the channel's authorization page; the code comes back to this PC (a loopback
        redirect address) or is pasted by the user."""
        record = self.record()
        if record is None or record.oauth is None or self.connecting:
            return
        self._stop_authorization()
        name = self.current or self.name.text().strip() or record.name
        missing = [key for key in self._field_problems() if key in self.setting_fields]
        if missing:  # the redirect address first: the authorization page needs it
            self.show_problems([self.field_errors[key].text() for key in missing])
            return
        try:
            settings = check_settings(record, name, {
                **self._typed_options(), **({"url": self.url.text().strip()}
                                            if self.url.text().strip() else {})})
            store = self._credential_store(name)
            state = new_state()
            address = record.oauth.authorization_url(settings, store, state)
            redirect = str(settings.get("redirect_uri") or "")
            listener = None
            if loopback_address(redirect) is not None:
                listener = LoopbackRedirect(redirect, state, self._bridge.deliver,
                                            self.redirect_timeout_s)
        except RendoError as error:
            self._oauth_say(error_text(error), error=True)
            return
        except ChannelError as error:
            self._oauth_say(error_words(name, record.name, error.kind, renew=error.renew),
                            error=True)
            return
        self._authorization = _Authorization(record, settings, store, state)
        if listener is not None:
            self._listener = listener
            listener.start()
            self._oauth_say(self.tr("Allow Rendo on the channel's page in your browser; Rendo "
                                    "waits for the answer here."))
        else:
            self.oauth_code.clear()
            self.oauth_paste.show()
            self._oauth_say(self.tr("Allow Rendo on the channel's page in your browser, then "
                                    "paste the code it shows (or the whole address) here."))
        self.open_browser(QUrl(address))

    def _credential_store(self, name: str) -> Credentials:
        """Where Connect… puts the tokens: the keyring for a saved channel (at once), memory
        for a new one (saved with the channel on Save). Parts typed are used too."""
        typed = {key: edit.text().strip() for key, edit in self.credential_fields.items()
                 if edit.text().strip()}
        if self.current is not None:
            return KeyringCredentials(self.current, form_credentials(self.current, typed, True))
        kept = self._obtained.parts if self._obtained is not None else {}
        self._obtained = MemoryCredentials({**kept, **typed})
        return self._obtained

    def use_pasted_code(self) -> None:
        if self._authorization is None or self.connecting:
            return
        try:
            code = code_from_answer(self.oauth_code.text(), self._authorization.state)
        except RendoError as error:
            self._oauth_say(error_text(error), error=True)
            return
        self._exchange(code)

    @Slot(str, object)
    def _redirected(self, code: str, refusal: object) -> None:
        """The loopback listener's answer: the code, or why none came."""
        self._listener = None
        if isinstance(refusal, RendoError):
            self._oauth_say(error_text(refusal), error=True)
            return
        if self._authorization is not None and code:
            self._exchange(code)

    def _exchange(self, code: str) -> None:
        """Trade the code for the channel's tokens (an HTTP call: off the window's thread)."""
        authorization = self._authorization
        if authorization is None or authorization.record.oauth is None:
            return
        flow = authorization.record.oauth

        def work() -> ChannelError | None:
            try:
                flow.exchange_code(authorization.settings, authorization.store, code)
            except ChannelError as error:
                return error
            return None

        self.connecting = True
        self._oauth_say(self.tr("Asking the channel for its keys…"))
        self.validate()
        run_in_background(work, self, self._exchanged, self._exchange_failed)

    @Slot(object)
    def _exchanged(self, result: object) -> None:
        self.connecting = False
        authorization, self._authorization = self._authorization, None
        if authorization is None:  # another channel or type was chosen meanwhile
            self.validate()
            return
        self.oauth_paste.hide()
        if isinstance(result, ChannelError):
            name = self.current or self.name.text().strip()
            self._oauth_say(error_words(name, authorization.record.name, result.kind,
                                        renew=result.renew), error=True)
            self.oauth_status.setToolTip(str(result))
            self.validate()
            return
        if self.current is not None:
            # The tokens are in the keyring already; through the service a channel stopped
            # for refused credentials starts again.
            record = authorization.record
            store = authorization.store
            parts = {f.key: store.get(f.key) or "" for f in record.credentials}
            try:
                self.shop.update_channel(self.current,
                                         credentials={k: v for k, v in parts.items() if v})
            except RendoError as error:
                self._oauth_say(error_text(error), error=True)
                return
            self.saved = channel_settings(self.current)
            for edit in self.credential_fields.values():
                edit.clear()
            self.changed.emit()
            self._oauth_say(self.tr("Connected: the channel's keys are saved."), ok=True)
        else:
            self._oauth_say(self.tr("Connected: the channel's keys are kept with the channel "
                                    "when you save it."), ok=True)
        self._show_credential_state()
        self.validate()

    @Slot(str, str)
    def _exchange_failed(self, message: str, detail: str) -> None:
        self.connecting = False
        if self._authorization is None:
            self.validate()
            return
        self._oauth_say(message, error=True)
        self.oauth_status.setToolTip(detail)
        self.validate()

    def _oauth_say(self, text: str, error: bool = False, ok: bool = False) -> None:
        if self.oauth_box is None:
            return
        ink = ERROR_INK if error else OK_INK if ok else ""
        self.oauth_status.setStyleSheet(f"color: {ink};" if ink else "")
        self.oauth_status.setText(text)
        self.oauth_status.setToolTip("")

    def _stop_authorization(self) -> None:
        """Forget a Connect… in progress; a listener on this PC stops at once."""
        self._authorization = None
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.cancel()

    def done(self, result: int) -> None:
        self._stop_authorization()
        super().done(result)


def edit_channels(shop: Shop, parent: QWidget | None = None,
                  adapter_for: AdapterFactory | None = None) -> bool:
    """Show the channel settings modally; True when something was saved."""
    dialog = ChannelDialog(shop, parent, adapter_for)
    saved: list[bool] = []
    dialog.changed.connect(lambda: saved.append(True))
    dialog.exec()
    return bool(saved)
