"""Counted words on the command line go through Qt's plural forms ("1 problem", "2 problems"):
the command asks Qt for the text with the number, and the translation picks the form.

The test installs an English translation compiled here with the two forms of each counted
text, as the lead fills them in rendo_en.ts (English is the source language: that file holds
only plural forms); the shipped file is not read for these texts.
"""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QTranslator

from app.tools.update_translations import qt_tool

FORMS = {  # (context, source) → (one, other)
    ("Errors", "{file}: %n problems; nothing was imported."):
        ("{file}: %n problem; nothing was imported.", "{file}: %n problems; nothing was imported."),
    ("", "%n rows"): ("%n row", "%n rows"),
    ("", "%n new items"): ("%n new item", "%n new items"),
    ("", "%n movements reversed (batch {batch})"):
        ("%n movement reversed (batch {batch})", "%n movements reversed (batch {batch})"),
    ("", "{file}: %n rows ({format})"): ("{file}: %n row ({format})", "{file}: %n rows ({format})"),
}


def compile_plural_forms(folder: Path) -> Path:
    root = ET.Element("TS", version="2.1", language="en", sourcelanguage="en")
    contexts: dict[str, ET.Element] = {}
    for (context, source), forms in FORMS.items():
        if context not in contexts:
            contexts[context] = ET.SubElement(root, "context")
            ET.SubElement(contexts[context], "name").text = context
        message = ET.SubElement(contexts[context], "message", numerus="yes")
        ET.SubElement(message, "source").text = source
        translation = ET.SubElement(message, "translation")
        for form in forms:
            ET.SubElement(translation, "numerusform").text = form
    ts_file, qm_file = folder / "plural_en.ts", folder / "plural_en.qm"
    ET.ElementTree(root).write(ts_file, encoding="utf-8", xml_declaration=True)
    subprocess.run([qt_tool("lrelease"), "-silent", str(ts_file), "-qm", str(qm_file)],
                   check=True, timeout=60)
    return qm_file


@pytest.fixture
def english_plurals(tmp_path, qapp, monkeypatch):
    from app import i18n

    monkeypatch.setattr(i18n, "language_for", lambda locale: "en")
    translator = QTranslator()
    assert translator.load(str(compile_plural_forms(tmp_path)))
    qapp.installTranslator(translator)
    yield
    qapp.removeTranslator(translator)


def test_one_and_several_read_as_english_counts_them(rendo, tmp_path, english_plurals):
    assert rendo("item", "add", "00123").code == 0
    one_bad = tmp_path / "one.csv"
    one_bad.write_text("code,qty\n999,1\n", encoding="utf-8")
    assert rendo("import", str(one_bad)).err_lines[-1] == (
        "rendo: one.csv: 1 problem; nothing was imported.")
    two_bad = tmp_path / "two.csv"
    two_bad.write_text("code,qty\n999,1\n998,1\n", encoding="utf-8")
    assert rendo("import", str(two_bad)).err_lines[-1] == (
        "rendo: two.csv: 2 problems; nothing was imported.")

    good = tmp_path / "good.csv"
    good.write_text("code,qty\n00123,4\n", encoding="utf-8")
    done = rendo("import", str(good))
    assert done.code == 0, done.err
    lines = done.out.splitlines()
    assert lines[0] == "good.csv (utf-8): 1 row, 1 changed, 0 new items"
    batch = lines[1].split("rendo import-undo ")[1]
    assert lines[1] == f"batch {batch}: undo with rendo import-undo {batch}"  # one space
    export = tmp_path / "history.csv"
    assert rendo("export", "history", str(export)).out.startswith(f"{export}: 1 row (csv, ")
    undone = rendo("import-undo", batch)
    assert undone.out.startswith("1 movement reversed (batch ")
    assert rendo("export", "history", str(export)).out.startswith(f"{export}: 2 rows (csv")


def test_the_kind_of_import_reads_as_english(rendo, tmp_path):
    path = tmp_path / "items.csv"
    path.write_text("foo,bar\n1,2\n", encoding="utf-8")
    refused = rendo("import", str(path), "--kind", "items")
    assert refused.code == 2
    assert refused.err_lines[0].startswith(
        "rendo: items.csv: no header row found for the items import in the first 20 rows")
    refused = rendo("import", str(path), "--kind", "items", "--column", "colour=A")
    assert "colour is not a column of the items import" in refused.err_lines[0]
