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

import html
from collections.abc import Callable, Sequence

from PySide6.QtCore import QSize, Qt, QUrl, Signal, Slot
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
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.channels import registry
from app.channels.channel_type import ChannelType
from app.channels.urls import check_channel_url
from app.domain.errors import BadInput
from app.domain.items import MAX_COUNT
from app.i18n import error_text
from app.services.channel_editing import ChannelForm, save_channel
from app.services.channel_words import type_label
from app.services.channels import ChannelSettings, channel_settings
from app.services.channels import adapter_for as default_adapter_for
from app.services.oauth_redirect import DEFAULT_TIMEOUT_S
from app.services.shop import Shop
from app.sync.engine import AdapterFactory
from app.sync.state import channel_statuses

from ..state_icons import sync_icon
from ..sync_words import state_text
from .channel_connect import ConnectBox, ConnectRequest, TestRequest, TestRow
from .channel_fields import TypeFields, caption, error_label, field_box, help_label, words
from .common import ShopDialog

NAME_ROLE = Qt.ItemDataRole.UserRole + 1
MAX_NUMBER = MAX_COUNT  # the one bound of every count
OK_INK = "#1b5e20"
ERROR_INK = "#b3261e"


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
        # How "Connect…" opens the channel's authorization page (tests record the address).
        self.open_browser: Callable[[QUrl], object] = QDesktopServices.openUrl
        self.redirect_timeout_s = DEFAULT_TIMEOUT_S
        self._built_type: str | None = None
        self.setObjectName("channelDialog")
        self.setWindowTitle(self.tr("Channels"))

        left = self._build_list()
        right = QVBoxLayout()
        right.addWidget(self._build_form(), 1)
        right.addWidget(self._build_test_row())
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
        box = self.form_box
        self.url_caption = caption(box, self.tr("API address"), self.url)
        form.addRow(caption(box, self.tr("Name"), self.name),
                    field_box(box, self.name, help_label(box, ""), self.name_error))
        form.addRow(caption(box, self.tr("Type"), self.type), self.type)
        form.addRow("", self.enabled)
        self.url_box = field_box(box, self.url, self.url_help, self.url_error)
        form.addRow(self.url_caption, self.url_box)
        form.addRow(caption(box, self.tr("Maximum shown"), self.maximum), self.maximum)
        form.addRow(caption(box, self.tr("Shown for unlimited items"), self.unlimited_qty),
                    self.unlimited_qty)
        # The type's own rows go after the address.
        self.fields = TypeFields(form, box, 4, self.shop, self.validate, self._connect_request,
                                 self._connected)
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
        self.name_error = error_label(self.form_box)
        self.type = QComboBox(self.form_box)
        self.type.setObjectName("channelType")
        self.type.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.type.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        for name, record in registry.channel_types().items():
            self.type.addItem(words(record.label), name)
        self.enabled = QCheckBox(self.tr("Sync this channel"), self.form_box)
        self.enabled.setObjectName("channelEnabled")
        self.url = QLineEdit(self.form_box)
        self.url.setObjectName("channelUrl")
        self.url_error = error_label(self.form_box)
        self.url_help = help_label(self.form_box, "")
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

    def _build_test_row(self) -> TestRow:
        """Test connection, its busy bar and its answer."""
        self.test_row = TestRow(self)
        self.test_button, self.test_result = self.test_row.button, self.test_row.result
        self.test_button.clicked.connect(self.test_connection)
        self.test_row.finished.connect(self.validate)
        return self.test_row

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

    # -- the type's own fields ----------------------------------------------------------------
    def record(self) -> ChannelType | None:
        return registry.channel_type(str(self.type.currentData()))

    @property
    def setting_fields(self) -> dict[str, QLineEdit]:
        return self.fields.settings

    @property
    def credential_fields(self) -> dict[str, QLineEdit]:
        return self.fields.credentials

    @property
    def field_errors(self) -> dict[str, QLabel]:
        return self.fields.errors

    @property
    def oauth_box(self) -> ConnectBox | None:
        return self.fields.connect_box

    def _build_type_rows(self) -> None:
        """The fields of the chosen type (a saved channel's values in them)."""
        record = self.record()
        self._built_type = record.name if record else None
        self._show_url_row(record)
        self.fields.build(record, self.saved)

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
        self.test_row.clear()
        self.message.hide()
        for label in (self.name_error, self.url_error, *self.field_errors.values()):
            label.hide()

    def _type_changed(self, *_: object) -> None:
        """Another type for a new channel: its own fields (the name stays)."""
        if self._built_type != self.type.currentData():
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
        return self.fields.problems(self.saved)

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
        self.fields.show_problems(self.saved)
        ok = not name_problem and not url_problem
        self.save_button.setEnabled(ok)
        self.test_button.setEnabled(self.synced() and not url_problem and not self.testing)
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
        return self.fields.typed_options()

    def _typed_credentials(self) -> dict[str, str]:
        """The parts typed, over those Connect… received for a channel not saved yet (the
        type's own parts: an access token it also gave is fetched again when needed)."""
        record = self.record()
        obtained = {k: v for k, v in self.fields.obtained().items()
                    if v and record is not None and record.credential(k) is not None}
        return {**obtained, **self.fields.typed_credentials()}

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

    # -- talking to the channel before Save ------------------------------------------------
    @property
    def testing(self) -> bool:
        return self.test_row.testing

    def test_connection(self) -> None:
        """Ask the channel whether it answers, with the settings as typed (not saved yet)."""
        if self._url_problem() or not self.synced():
            return
        self.test_row.start(TestRequest(
            name=self.current or self.name.text().strip() or "test",
            type=str(self.type.currentData()), url=self.url.text().strip(),
            options=self._typed_options(), typed=self._typed_credentials(),
            saved=self.current is not None, factory=self.adapter_for))

    def _connect_request(self) -> ConnectRequest | None:
        """What Connect… needs from the form; None after showing a setting to fill first
        (the authorization page needs the redirect address)."""
        record = self.record()
        missing = [key for key in self._field_problems() if key in self.setting_fields]
        if record is None or missing:
            self.show_problems([self.field_errors[key].text() for key in missing])
            return None
        url = self.url.text().strip()
        return ConnectRequest(
            name=self.current or self.name.text().strip() or record.name,
            saved=self.current is not None,
            settings={**self._typed_options(), **({"url": url} if url else {})},
            typed=self.fields.typed_credentials(),
            open_browser=self.open_browser, timeout_s=self.redirect_timeout_s)

    @Slot()
    def _connected(self) -> None:
        """The channel's tokens came: a saved channel shows them saved."""
        if self.current is not None:
            self.saved = channel_settings(self.current)
            for edit in self.credential_fields.values():
                edit.clear()
            self.changed.emit()
        self.fields.show_saved(self.saved)
        self.validate()

    def done(self, result: int) -> None:
        self.fields.stop()
        super().done(result)


def edit_channels(shop: Shop, parent: QWidget | None = None,
                  adapter_for: AdapterFactory | None = None) -> bool:
    """Show the channel settings modally; True when something was saved."""
    dialog = ChannelDialog(shop, parent, adapter_for)
    saved: list[bool] = []
    dialog.changed.connect(lambda: saved.append(True))
    dialog.exec()
    return bool(saved)
