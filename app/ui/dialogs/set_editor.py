"""The set-composition editor (セット商品の構成): components, quantities, what the set can sell."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.items import MAX_COUNT
from app.i18n import error_text
from app.services.previews import ComponentLine, SetPreview, loop_text, preview_set
from app.services.set_editing import save_set
from app.services.shop import Shop

from .common import ItemSearch, MessageBar, ShopDialog, ok_cancel_buttons

MAX_QUANTITY = MAX_COUNT  # the one bound of every count
CODE, NAME, QUANTITY, SELLABLE, CAN_BUILD = range(5)
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LOOP_COLOUR = QColor("#b3261e")


class SetEditorDialog(ShopDialog):
    """Edit one set's components; OK saves them and the name (services/set_editing.py)."""

    def __init__(self, shop: Shop, code: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shop = shop
        book = shop.book
        existing = book.items.get(code) if code else None
        self._first_component = None
        if existing is not None and not existing.is_set and self._has_stock(existing.code):
            # A single with stock stays a single: start a new set that contains it.
            self._first_component, existing, code = existing.code, None, None
        self._existing_code = existing.code if existing else None
        self._was_single = existing is not None and not existing.is_set
        self._components: list[tuple[str, int]] = []
        self._spins: dict[str, QSpinBox] = {}
        self.preview = SetPreview()

        if existing is None:
            self.setWindowTitle(self.tr("New set"))
        else:
            self.setWindowTitle(self.tr("Set composition — {code}").format(code=existing.code))
        self.setMinimumSize(800, 600)

        form = self._build_form(code)
        components_box = self._build_components()
        self._build_summary()
        bottom = self._build_bottom()
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addLayout(form)
        layout.addWidget(components_box, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.messages)
        layout.addLayout(bottom)

        self.code_edit.textChanged.connect(self._refresh)
        self.load()
        if existing is None:
            self.code_edit.setFocus()
        else:
            self.search.setFocus()

    # -- building the dialog, one widget group each (in the order of the tab chain) -------------
    def _build_form(self, code: str | None) -> QFormLayout:
        """The set's code (fixed once saved) and name."""
        existing = self.shop.book.items.get(self._existing_code or "")
        self.code_edit = QLineEdit(self)
        self.code_edit.setPlaceholderText(self.tr("e.g. GIFT-01"))
        if existing is not None:
            self.code_edit.setText(existing.code)
            self.code_edit.setReadOnly(True)
            self.code_edit.setFrame(False)
            self.code_edit.setStyleSheet("background: transparent;")
        elif code:
            self.code_edit.setText(code)
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText(self.tr("Name shown in the stock list"))
        if existing is not None:
            self.name_edit.setText(existing.name)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.tr("Set code"), self.code_edit)
        form.addRow(self.tr("Name"), self.name_edit)
        return form

    def _build_components(self) -> QGroupBox:
        """The search that adds a component, the components' tree and Remove."""
        self.search = ItemSearch(lambda: self.shop.book, self)
        self.search.setPlaceholderText(self.tr("Add a component: code, name or JAN…"))
        self.search.chosen.connect(self.add_component)
        self.add_button = QPushButton(self.tr("Add"), self)
        self.add_button.clicked.connect(self.search.choose_typed)
        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 1)
        search_row.addWidget(self.add_button)

        self._build_tree()

        self.remove_button = QPushButton(self.tr("Remove"), self)
        self.remove_button.setEnabled(False)
        self.remove_button.clicked.connect(self._remove_selected)
        QShortcut(QKeySequence.StandardKey.Delete, self.tree, self._remove_selected)
        tree_buttons = QHBoxLayout()
        hint = QLabel(self.tr("Nested sets show what they are made of."), self)
        hint.setEnabled(False)
        tree_buttons.addWidget(hint, 1)
        tree_buttons.addWidget(self.remove_button)

        components_box = QGroupBox(self.tr("Components"), self)
        box_layout = QVBoxLayout(components_box)
        box_layout.addLayout(search_row)
        box_layout.addWidget(self.tree, 1)
        box_layout.addLayout(tree_buttons)
        return components_box

    def _build_tree(self) -> None:
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(5)
        self.tree.setHeaderLabels(
            [
                self.tr("Component"),
                self.tr("Name"),
                self.tr("Quantity"),
                self.tr("Sellable"),
                self.tr("Makes"),
            ]
        )
        self.tree.headerItem().setToolTip(
            CAN_BUILD, self.tr("How many sets this component's sellable stock can make")
        )
        for column in (QUANTITY, SELLABLE, CAN_BUILD):
            self.tree.headerItem().setTextAlignment(column, Qt.AlignmentFlag.AlignRight)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(CODE, 150)
        for column in (QUANTITY, SELLABLE, CAN_BUILD):
            header.resizeSection(column, 96)
        self.tree.setRootIsDecorated(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.itemSelectionChanged.connect(self._selection_changed)

    def _build_summary(self) -> None:
        """What the set can sell, and the message bar."""
        self.summary = QLabel(self)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)
        font = self.summary.font()
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.summary.setFont(font)
        self.messages = MessageBar(self)

    def _build_bottom(self) -> QHBoxLayout:
        """Create N-packs… on the left, Save and Cancel on the right."""
        self.buttons = ok_cancel_buttons(self, self.tr("Save"), self.tr("Cancel"))
        self.packs_button = QPushButton(self.tr("Create N-packs…"), self)
        self.packs_button.setToolTip(self.tr("Create sets of 2, 3… of one item at once"))
        self.packs_button.clicked.connect(self._open_packs)
        bottom = QHBoxLayout()
        bottom.addWidget(self.packs_button)
        bottom.addStretch(1)
        bottom.addWidget(self.buttons)
        return bottom

    def load(self) -> None:
        """The saved composition (a single with stock: a new set holding it, once)."""
        code = self._existing_code
        self._components = list(self.shop.book.components.get(code, ())) if code else []
        if self._first_component is not None:
            self._components.append((self._first_component, 1))
        self._rebuild_tree()

    def _has_stock(self, code: str) -> bool:
        """A single with stock or movements cannot become a set (it has shelf stock)."""
        return self.shop.book.on_hand.get(code, 0) != 0 or bool(self.shop.history(code, 1))

    # -- the composition ----------------------------------------------------------------------
    def set_code(self) -> str:
        return self.code_edit.text().strip()

    def components(self) -> list[tuple[str, int]]:
        return list(self._components)

    def add_component(self, code: str, quantity: int = 1) -> None:
        """Add *code*; adding a component already there adds to its quantity (scan twice: ×2)."""
        for index, (existing, current) in enumerate(self._components):
            if existing == code:
                self.set_quantity(code, min(MAX_QUANTITY, current + quantity))
                self._select(index)
                return
        self._components.append((code, quantity))
        self._rebuild_tree()
        self._select(len(self._components) - 1)

    def set_quantity(self, code: str, quantity: int) -> None:
        spin = self._spins.get(code)
        if spin is not None and spin.value() != quantity:
            spin.setValue(quantity)  # → _quantity_changed
            return
        self._components = [(c, quantity if c == code else q) for c, q in self._components]
        self._refresh()

    def remove_component(self, code: str) -> None:
        self._components = [(c, q) for c, q in self._components if c != code]
        self._rebuild_tree()

    # -- building the tree ----------------------------------------------------------------------
    def _rebuild_tree(self) -> None:
        self.tree.clear()
        self._spins = {}
        self.preview = preview_set(self.shop.book, self._preview_code(), self._components)
        for line in self.preview.lines:
            item = QTreeWidgetItem(self.tree)
            item.setData(CODE, Qt.ItemDataRole.UserRole, line.code)
            self._fill(item, line, top=True)
            spin = QSpinBox(self.tree)
            spin.setRange(1, MAX_QUANTITY)
            spin.setValue(line.quantity)
            spin.setAlignment(Qt.AlignmentFlag.AlignRight)
            spin.setAccessibleName(self.tr("Quantity of {code}").format(code=line.code))
            spin.valueChanged.connect(
                lambda value, code=line.code: self._quantity_changed(code, value)
            )
            self.tree.setItemWidget(item, QUANTITY, spin)
            self._spins[line.code] = spin
            self._add_children(item, line.children)
        self.tree.expandAll()
        self._refresh()

    def _add_children(self, parent: QTreeWidgetItem, lines: tuple[ComponentLine, ...]) -> None:
        for line in lines:
            child = QTreeWidgetItem(parent)
            self._fill(child, line, top=False)
            child.setText(QUANTITY, f"×{line.quantity}")
            child.setTextAlignment(QUANTITY, RIGHT)
            child.setFlags(Qt.ItemFlag.ItemIsEnabled)
            for column in range(self.tree.columnCount()):
                child.setForeground(column, self.palette().placeholderText())
            self._add_children(child, line.children)

    def _fill(self, item: QTreeWidgetItem, line: ComponentLine, top: bool) -> None:
        item.setText(CODE, line.code)
        name = line.name
        if line.is_set:
            name = self.tr("{name} (set)").format(name=line.name or line.code)
        item.setText(NAME, name)
        item.setToolTip(NAME, name)
        item.setText(SELLABLE, str(line.sellable))
        item.setTextAlignment(SELLABLE, RIGHT)
        if top:
            item.setText(CAN_BUILD, self._can_build_text(line))
            item.setTextAlignment(CAN_BUILD, RIGHT)

    def _can_build_text(self, line: ComponentLine) -> str:
        return self.tr("no limit") if line.can_build is None else str(line.can_build)

    def _quantity_changed(self, code: str, value: int) -> None:
        self._components = [(c, value if c == code else q) for c, q in self._components]
        self._refresh()

    def _select(self, index: int) -> None:
        item = self.tree.topLevelItem(index)
        if item is not None:
            self.tree.setCurrentItem(item)
            self.tree.scrollToItem(item)

    def _selection_changed(self) -> None:
        self.remove_button.setEnabled(self._selected_code() is not None)

    def _selected_code(self) -> str | None:
        item = self.tree.currentItem()
        if item is None or item.parent() is not None or not item.isSelected():
            return None
        code = item.data(CODE, Qt.ItemDataRole.UserRole)
        return str(code) if code else None

    def _remove_selected(self) -> None:
        code = self._selected_code()
        if code is not None:
            self.remove_component(code)

    # -- numbers and messages -------------------------------------------------------------------
    def _preview_code(self) -> str | None:
        return self.set_code() or None

    def _refresh(self) -> None:
        """Recompute the preview and the messages; only OK-able when there is no problem."""
        self.preview = preview_set(self.shop.book, self._preview_code(), self._components)
        bold = QFont(self.tree.font())
        bold.setBold(True)
        for index, line in enumerate(self.preview.lines):
            item = self.tree.topLevelItem(index)
            if item is None:
                continue
            item.setText(CAN_BUILD, self._can_build_text(line))
            limiting = line.code == self.preview.limited_by
            closes_loop = len(self.preview.loop) > 1 and line.code == self.preview.loop[1]
            for column in (CODE, NAME, SELLABLE, CAN_BUILD):
                item.setFont(column, bold if limiting or closes_loop else self.tree.font())
                item.setForeground(column, LOOP_COLOUR if closes_loop else self.palette().text())
        self.summary.setText(self._summary_text())
        errors = self._errors()
        hint = self._hint()
        self.messages.show_state(errors, hint)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not errors and not self._missing())

    def _summary_text(self) -> str:
        preview = self.preview
        if preview.loop or preview.error is not None or not self._components:
            return self.tr("Can sell: —")
        if preview.unlimited:
            return self.tr("Can sell: <b>unlimited</b> (every component is unlimited)")
        count = f"<b>{preview.sellable}</b>"
        if preview.limited_by is None:
            return self.tr("Can sell {n}").format(n=count)
        return self.tr("Can sell {n}, limited by {item}").format(
            n=count, item=html.escape(self._describe(preview.limited_by))
        )

    def _describe(self, code: str) -> str:
        item = self.shop.book.items.get(code)
        return f"{code} {item.name}".strip() if item else code

    def _missing(self) -> bool:
        return not self.set_code() or not self._components

    def _hint(self) -> str | None:
        if not self.set_code():
            return self.tr("Enter a code for the new set.")
        if not self._components:
            return self.tr("Add the items this set is made of: search by code, name or JAN.")
        if self._was_single:
            return self.tr(
                "{code} is a single item now. Saving makes it a set: it then has no shelf "
                "stock of its own and sells what its components allow."
            ).format(code=self.set_code())
        return None

    def _errors(self) -> list[str]:
        found: list[str] = []
        code = self.set_code()
        if self._existing_code is None and code and code in self.shop.book.items:
            found.append(
                self.tr(
                    "An item with code {code} already exists. Choose another code, or "
                    "edit that item's composition from the stock list."
                ).format(code=code)
            )
        if self.preview.loop:
            loop = self.preview.loop
            found.append(
                self.tr(
                    "A set cannot contain itself: {loop}. Remove {component} from the components."
                ).format(loop=loop_text(loop), component=loop[1])
            )
        elif self.preview.error is not None:
            found.append(error_text(self.preview.error))
        return found

    # -- saving (accept: ShopDialog) ------------------------------------------------------------
    def check(self) -> list[str]:
        hint = self._hint() if self._missing() else None
        return self._errors() + ([hint] if hint else [])

    def save(self) -> None:
        save_set(self.shop, self.set_code(), self.name_edit.text().strip(), self._components)

    def _open_packs(self) -> None:
        from .pack_dialog import PackDialog

        codes = [c for c, _ in self._components]
        dialog = PackDialog(self.shop, codes[0] if len(codes) == 1 else None, self)
        dialog.exec()
        self._refresh()
