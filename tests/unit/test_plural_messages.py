"""The texts people read: counted words through Qt's plural forms, single spaces.

lupdate files a text as plural only where it sees translate() called with a number; the
"Errors" templates that count are marked QT_TRANSLATE_N_NOOP where they are raised and must
also be listed in app.i18n._counted_errors, or translators would get no plural forms.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
MARKS = {"tr", "translate", "QT_TRANSLATE_NOOP", "QT_TRANSLATE_N_NOOP"}


def _name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _texts(mark: str, tree: ast.AST, position: int) -> list[str]:
    return [node.args[position].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and _name(node) == mark
            and len(node.args) > position and isinstance(node.args[position], ast.Constant)
            and isinstance(node.args[position].value, str)]


def _trees() -> dict[Path, ast.AST]:
    return {path: ast.parse(path.read_text(encoding="utf-8")) for path in APP.rglob("*.py")}


def test_every_counted_error_is_listed_for_lupdate_as_a_plural_text():
    trees = _trees()
    marked = {text for tree in trees.values() for text in _texts("QT_TRANSLATE_N_NOOP", tree, 1)}
    i18n = trees[APP / "i18n.py"]
    listing = next(node for node in ast.walk(i18n)
                   if isinstance(node, ast.FunctionDef) and node.name == "_counted_errors")
    listed = {text for text in _texts("translate", listing, 1)}
    assert marked and marked == listed
    assert all("%n" in text for text in marked)
    plain = [text for tree in trees.values() for text in _texts("QT_TRANSLATE_NOOP", tree, 1)
             if "%n" in text]
    assert plain == []  # a %n there would never get its plural forms


def test_texts_for_people_have_no_doubled_spaces():
    doubled = [(path.name, text) for path, tree in _trees().items()
               for mark in MARKS for position in (0, 1)
               for text in _texts(mark, tree, position) if re.search(r"\S  +\S", text)]
    assert doubled == []
