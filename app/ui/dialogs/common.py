"""What the dialogs share: the editing dialogs' contract (ShopDialog), the inline message bar
and the item search field."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QSizePolicy,
    QStyle,
    QWidget,
)

from app.domain.book import StockBook
from app.domain.errors import RendoError
from app.domain.search import same_key
from app.i18n import error_text
from app.services.previews import ItemMatch, find_items

CODE_ROLE = Qt.ItemDataRole.UserRole + 1


class ShopDialog(QDialog):
    """The editing dialogs' one contract: load, check, save.

    - ``load()`` fills the widgets from the services (the constructor calls it once built);
    - ``check()`` lists what stops saving now (empty: nothing), from the widgets alone (the
      dialog's live messages and its OK button say the same as the user types);
    - ``save()`` makes the change with ONE service call, one transaction: what it refuses
      (BadInput, RendoError) is shown and the dialog stays open, nothing half-saved.

    ``accept()`` (OK, Enter) is written once, here: check → save → close. ``apply()`` is the
    same without closing, for a dialog whose Save keeps it open (the channels). Problems go to
    ``show_problems``: the dialog's MessageBar ``messages`` unless the dialog says otherwise.
    """

    messages: MessageBar

    def load(self) -> None:
        """Fill the widgets from the services."""

    def check(self) -> list[str]:
        """What stops saving now, one message each; empty when OK may save."""
        return []

    def save(self) -> None:
        """Make the change: one service call. Raises what the service refuses."""
        raise NotImplementedError

    def refused(self) -> None:
        """The service refused the save: bring the widgets up to date, keeping what the user
        typed (the refusal is shown next)."""

    def show_problems(self, problems: Sequence[str]) -> None:
        self.messages.show_errors(problems)

    def apply(self) -> bool:
        """Check, then save; True when saved. A problem or a refusal is shown instead."""
        problems = self.check()
        if problems:
            self.show_problems(problems)
            return False
        try:
            self.save()
        except RendoError as error:
            self.refused()
            self.show_problems([error_text(error)])
            return False
        return True

    def accept(self) -> None:
        if self.apply():
            super().accept()


class MessageBar(QFrame):
    """Messages shown inside a dialog (not a pop-up): problems in red, hints in grey.

    Hidden when there is nothing to say, so a dialog in a good state stays quiet.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self._icon = QLabel(self)
        self._icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self._text = QLabel(self)
        self._text.setWordWrap(True)
        self._text.setTextFormat(Qt.TextFormat.RichText)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(8)
        layout.addWidget(self._icon)
        layout.addWidget(self._text, 1)
        self._messages: list[str] = []
        self._is_error = False
        self.hide()

    @property
    def messages(self) -> list[str]:
        return list(self._messages)

    @property
    def is_error(self) -> bool:
        return self._is_error and bool(self._messages)

    def show_errors(self, messages: Sequence[str]) -> None:
        self._show(messages, error=True)

    def show_hint(self, message: str) -> None:
        self._show([message], error=False)

    def clear_messages(self) -> None:
        self._show([], error=False)

    def show_state(self, errors: Sequence[str], hint: str = "") -> None:
        """The errors when there are any, else the hint, else nothing."""
        if errors:
            self.show_errors(errors)
        elif hint:
            self.show_hint(hint)
        else:
            self.clear_messages()

    def _show(self, messages: Sequence[str], error: bool) -> None:
        self._messages = list(messages)
        self._is_error = error
        QTimer.singleShot(0, self, self._make_room)
        if not self._messages:
            self.hide()
            return
        icon = (
            QStyle.StandardPixmap.SP_MessageBoxWarning
            if error
            else (QStyle.StandardPixmap.SP_MessageBoxInformation)
        )
        size = self.fontMetrics().height()
        self._icon.setPixmap(self.style().standardIcon(icon).pixmap(size, size))
        if error:
            self.setStyleSheet(
                "#messageBar { background: #fdf0ee; border: 1px solid #efc5bf;"
                " border-radius: 4px; }"
                "#messageBar QLabel { color: #8c2318; background: transparent; }"
            )
        else:
            self.setStyleSheet(
                "#messageBar { background: palette(alternate-base); border: 1px solid "
                "palette(midlight); border-radius: 4px; }"
                "#messageBar QLabel { background: transparent; }"
            )
        lines = [html.escape(m) for m in self._messages]
        self._text.setText("<br>".join(lines))
        self.show()


    def _make_room(self) -> None:
        """A message appearing must not squeeze the dialog's other parts over each other:
        grow the dialog to what its layout needs at its width (within the screen)."""
        make_room(self.window())


def make_room(dialog: QWidget) -> None:
    """Make *dialog* tall enough for its layout at its present width (wrapped labels
    included), never taller than the screen's free area."""
    layout = dialog.layout()
    if layout is None or not dialog.isVisible():
        return
    layout.activate()
    needed = layout.totalMinimumSize().height()
    if layout.hasHeightForWidth():
        needed = max(needed, layout.totalHeightForWidth(dialog.width()))
    screen = dialog.screen()
    if screen is not None:
        needed = min(needed, screen.availableGeometry().height() - 40)  # the title bar
    if dialog.height() < needed:
        dialog.resize(dialog.width(), needed)


def buddy_label(text: str, buddy: QWidget, parent: QWidget) -> QLabel:
    """A form label whose mnemonic (the letter after &) moves to *buddy*: a row holding a
    layout (a field and a button) gets no buddy by itself, and its & would show as is."""
    label = QLabel(text, parent)
    label.setBuddy(buddy)
    return label


def match_text(match: ItemMatch) -> str:
    """How an item appears in a search result: code, name and (when known) JAN."""
    parts = [match.code, match.name]
    if match.jan:
        parts.append(match.jan)
    return "   ".join(p for p in parts if p)


class ItemSearch(QLineEdit):
    """A field that finds items by code, name or JAN as the user types.

    Choosing a suggestion, or pressing Enter on an exact code or JAN (a barcode scanner) or on
    the only match, emits ``chosen`` with the item's code and clears the field.
    """

    chosen = Signal(str)

    def __init__(
        self,
        book: Callable[[], StockBook],
        parent: QWidget | None = None,
        exclude: Callable[[], Iterable[str]] = lambda: (),
    ) -> None:
        super().__init__(parent)
        self._book = book
        self._exclude = exclude
        self._matches: list[ItemMatch] = []
        self.setPlaceholderText(self.tr("Code, name or JAN…"))
        self.setClearButtonEnabled(True)
        self._model = QStandardItemModel(self)
        completer = QCompleter(self._model, self)
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        completer.setMaxVisibleItems(10)
        completer.activated[QModelIndex].connect(self._completion_chosen)  # type: ignore[index]
        self.setCompleter(completer)
        self.textEdited.connect(self._search)
        self.returnPressed.connect(self.choose_typed)

    @property
    def matches(self) -> list[ItemMatch]:
        return list(self._matches)

    def _search(self, text: str) -> None:
        self._matches = find_items(self._book(), text, limit=50, exclude=self._exclude())
        self._model.clear()
        for match in self._matches:
            row = QStandardItem(match_text(match))
            row.setData(match.code, CODE_ROLE)
            self._model.appendRow(row)
        if self._matches and self.hasFocus():
            self.completer().complete()

    def _completion_chosen(self, index: QModelIndex | QPersistentModelIndex) -> None:
        code = index.data(CODE_ROLE)
        if code:
            self._choose(str(code))

    def choose_typed(self) -> None:
        """Choose the item the typed text names: an exact code or JAN, or the only match."""
        text = self.text().strip()
        if not text:
            return
        # The completer puts a highlighted suggestion's whole line into the field.
        shown = [m for m in self._matches if match_text(m) == text]
        if shown:
            self._choose(shown[0].code)
            return
        self._search(text)
        exact = [m for m in self._matches if same_key(text, m.code) or same_key(text, m.jan)]
        if exact:
            self._choose(exact[0].code)
        elif len(self._matches) == 1:
            self._choose(self._matches[0].code)

    def _choose(self, code: str) -> None:
        self.completer().popup().hide()
        self.chosen.emit(code)
        # The completer writes its text into the field after "activated": clear after it.
        QTimer.singleShot(0, self.clear)
        self.clear()


def ok_cancel_buttons(dialog: QDialog, ok_text: str, cancel_text: str) -> QDialogButtonBox:
    """The dialog's OK / Cancel row, with the dialog's own (translated) button texts."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog
    )
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(cancel_text)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def size_for_channels(dialog: QDialog, minimum: int, base: int, channels: int,
                      height: int) -> None:
    """Wide enough for a column per channel, within the screen, never under *minimum*."""
    wanted = base + 120 * channels
    screen = dialog.screen()
    if screen is not None:
        wanted = min(wanted, int(screen.availableGeometry().width() * 0.95))
    dialog.resize(max(minimum, wanted), height)


def show_progress(bar: QProgressBar, done: int, total: int) -> None:
    if total <= 0:
        bar.setRange(0, 0)
    else:
        bar.setRange(0, total)
        bar.setValue(min(done, total))
