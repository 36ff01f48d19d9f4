"""The dialogs' screens for ``python -m app.tools.screenshots`` (see app.ui.screenshots)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QWidget

from app.domain.offsets import parse_offset
from app.ui.screenshots import screen

from .offset_dialog import OffsetDialog
from .pack_dialog import PackDialog
from .pattern_dialog import PatternDialog
from .set_editor import SetEditorDialog
from .settings_dialog import SettingsDialog

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

    from .import_wizard import ImportWizard


@screen("set-editor")
def set_editor(window: MainWindow) -> QWidget:
    return SetEditorDialog(window.shop, "GIFT-BIG", window)


@screen("set-editor-loop")
def set_editor_loop(window: MainWindow) -> QWidget:
    dialog = SetEditorDialog(window.shop, "GIFT-TW2", window)
    dialog.add_component("GIFT-BIG")
    return dialog


@screen("n-packs")
def n_packs(window: MainWindow) -> QWidget:
    dialog = PackDialog(window.shop, "TW-001", window)
    dialog.set_sizes("2, 3, 5")
    return dialog


@screen("allocation-patterns")
def allocation_patterns(window: MainWindow) -> QWidget:
    dialog = PatternDialog(window.shop, ["TW-003", "MG-010", "MG-011"], window)
    dialog.preview_sellable.setValue(7)
    return dialog


@screen("allocation-pattern-problem")
def allocation_pattern_problem(window: MainWindow) -> QWidget:
    dialog = PatternDialog(window.shop, [], window)
    dialog.copy_pattern()
    dialog.share_editor(1, "base").value.setValue(40)
    return dialog


@screen("display-offset")
def display_offset(window: MainWindow) -> QWidget:
    dialog = OffsetDialog(window.shop, ["TW-001", "TW-002", "CH-100", "CH-101", "GIFT-TW2"], window)
    dialog.set_offset(parse_offset("-2"))
    return dialog


@screen("settings")
def settings(window: MainWindow) -> QWidget:
    dialog = SettingsDialog(window)
    # The other language than the window's, so that the restart note shows.
    dialog.set_choice("en" if dialog.running == "ja" else "ja")
    return dialog


# -- import wizard and export dialog (取り込み・書き出し) ------------------------------------
def _demo_file(name: str, text: str, encoding: str = "cp932") -> str:
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.gettempdir()) / "rendo-screens"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return str(path)


_STOCKTAKE = ("商品コード,商品名,実棚数,ロケーション\r\nTW-001,今治タオル フェイス 白,38,A-1\r\n"
              "TW-002,今治タオル フェイス 紺,25,A-1\r\nMG-010,波佐見焼 マグ 藍,6,B-3\r\n"
              "00123,手ぬぐい 麻の葉,32,C-2\r\n")


def _settle(wizard: Any) -> None:
    """Let the wizard's worker finish and its signals arrive (the screen is taken at once)."""
    from PySide6.QtCore import QCoreApplication

    for _ in range(100):
        if wizard.job is not None:
            wizard.job.wait()
        QCoreApplication.processEvents()
        if not wizard.busy:
            QCoreApplication.processEvents()
            return


def _wizard_at(window: MainWindow, page: str, text: str = _STOCKTAKE,
               wizard_class: Any = None, name: str = "棚卸_1120.csv",
               encoding: str = "cp932") -> ImportWizard:
    from .import_wizard import ImportWizard

    wizard: ImportWizard = (wizard_class or ImportWizard)(window.shop, window)
    wizard.file_page.path.setText(_demo_file(name, text, encoding))
    wizard.show()
    steps = {"file": 0, "mapping": 1, "preview": 2, "apply": 3}[page]
    for _ in range(steps):
        wizard.next()
        _settle(wizard)
    return wizard


@screen("import-file")
def import_file(window: MainWindow) -> QWidget:
    return _wizard_at(window, "file")


@screen("import-mapping")
def import_mapping(window: MainWindow) -> QWidget:
    return _wizard_at(window, "mapping")


@screen("import-preview")
def import_preview(window: MainWindow) -> QWidget:
    return _wizard_at(window, "preview")


@screen("import-preview-problems")
def import_preview_problems(window: MainWindow) -> QWidget:
    text = _STOCKTAKE + "TW-003,たくさん,,A-2\r\nTW-999,未登録の商品,4,A-9\r\nMG-010,重複,5,B-3\r\n"
    return _wizard_at(window, "preview", text)


# 楽天's normal-item.csv: a parent row per item, then its SKU rows (app.files.formats.rakuten)
_RAKUTEN = (
    "コントロールカラム,商品管理番号（商品URL）,商品番号,商品名,PC用商品説明文,SKU管理番号,"
    "システム連携用SKU番号,バリエーション項目キー定義,バリエーション項目選択肢1,通常購入販売価格,"
    "在庫数\r\n"
    'u,towel-face,T-01,今治タオル フェイス,"<p>今治タオル&nbsp;しっかり厚手;&nbsp;綿100%</p>",'
    ",,カラー,,,\r\n"
    "u,towel-face,,,,towel-face-wh,TW-001,,白,1200,36\r\n"
    "u,towel-face,,,,towel-face-nv,TW-002,,紺,1200,24\r\n"
    "u,hasami-mug,M-10,波佐見焼 マグ,,,,,,,\r\n"
    "u,hasami-mug,,,,hasami-mug-ai,MG-010,,藍,2400,5\r\n")

# Shopify's inventory export, all quantity types, two locations (app.files.formats.shopify)
_SHOPIFY = (
    "Handle,Title,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,"
    "Option3 Value,SKU,HS Code,COO,Location,Incoming (not editable),Unavailable (not editable),"
    "Committed (not editable),Available (not editable),On hand (current),On hand (new)\r\n"
    "towel,今治タオル,Color,白,,,,,TW-001,,JP,倉庫,0,0,2,34,36,\r\n"
    "towel,今治タオル,Color,紺,,,,,TW-002,,JP,倉庫,0,0,0,24,24,\r\n"
    "towel,今治タオル,Color,白,,,,,TW-001,,JP,渋谷店,0,0,0,3,3,\r\n")


@screen("import-format-rakuten")
def import_format_rakuten(window: MainWindow) -> QWidget:
    return _wizard_at(window, "mapping", _RAKUTEN, name="normal-item.csv")


@screen("import-preview-rakuten")
def import_preview_rakuten(window: MainWindow) -> QWidget:
    return _wizard_at(window, "preview", _RAKUTEN, name="normal-item.csv")


@screen("import-format-shopify")
def import_format_shopify(window: MainWindow) -> QWidget:
    return _wizard_at(window, "mapping", _SHOPIFY, name="inventory_export_1.csv",
                      encoding="utf-8")  # Shopify writes UTF-8


@screen("import-preview-shopify")
def import_preview_shopify(window: MainWindow) -> QWidget:
    wizard = _wizard_at(window, "mapping", _SHOPIFY, name="inventory_export_1.csv",
                        encoding="utf-8")
    wizard.mapping_page.format_box.choose_location("倉庫")
    wizard.next()
    _settle(wizard)
    return wizard


@screen("import-done")
def import_done(window: MainWindow) -> QWidget:
    """The summary after applying, shown without writing to the demo database."""
    from app.services.importing import ImportResult

    from .import_apply_page import ImportApplyPage
    from .import_wizard import ImportWizard

    class ShownApplyPage(ImportApplyPage):
        def initializePage(self) -> None:
            plan = self._wizard.plan
            assert plan is not None
            self._applied(ImportResult(plan.source, plan.changes, [], plan.warnings,
                                       plan.created, batch="import-20261120-183012-4f9a2c",
                                       movements=plan.changed))

    class ShownWizard(ImportWizard):
        apply_page_class = ShownApplyPage

    return _wizard_at(window, "apply", wizard_class=ShownWizard)


@screen("export")
def export_dialog(window: MainWindow) -> QWidget:
    from .export_dialog import ExportDialog

    dialog = ExportDialog(window.shop, window)
    dialog.set_kind("reorder")
    dialog.set_format("cp932")
    dialog.path.setText("C:/Users/shop/Documents/発注リスト_20261120.csv")
    return dialog


# -- the channel form of each channel type (read from its record) -----------------------------
def _channel_form(type_: str) -> Any:
    def make(window: MainWindow) -> QWidget:
        from .channel_dialog import ChannelDialog

        dialog = ChannelDialog(window.shop, window)
        dialog.new_channel()
        dialog.type.setCurrentIndex(dialog.type.findData(type_))
        dialog.name.setText(f"my-{type_}")
        dialog.validate()
        return dialog

    return make


def _register_channel_forms() -> None:
    from app.channels.registry import synced_type_names

    for type_ in synced_type_names():
        screen(f"channel-form-{type_}")(_channel_form(type_))


_register_channel_forms()
