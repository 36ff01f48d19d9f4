"""What the command line says: one line for every change it writes, in the user's language.

The language tests install a small translation compiled here from a .ts written in the test
("〔訳〕" marks a translated text): they show that the command line asks Qt for every text,
whatever the shipped Japanese translation holds today.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QTranslator

from app.channels.registry import type_names
from app.i18n import ARGPARSE_CONTEXT, ARGPARSE_MESSAGES
from app.tools.update_translations import qt_tool

REPO = Path(__file__).resolve().parents[2]
MARK = "〔訳〕"


def said(run) -> str:
    """The one line a successful command printed."""
    assert run.code == 0, run.err
    assert run.err == ""
    lines = run.out.splitlines()
    assert len(lines) == 1, run.out
    return lines[0]


# -- every write says what it changed ----------------------------------------------------------

def test_item_set_and_stock_commands_say_what_changed(rendo):
    assert said(rendo("item", "add", "A", "--name", "手ぬぐい")) == "A: item added"
    assert said(rendo("item", "add", "B")) == "B: item added"
    assert said(rendo("adjust", "A", "+5")) == "A: on hand 0 → 5 (movement 1)"
    assert said(rendo("adjust", "A", "+3")) == "A: on hand 5 → 8 (movement 2)"
    assert said(rendo("adjust", "A", "=6", "--reason", "stocktake")) == (
        "A: on hand 8 → 6 (movement 3)")
    assert said(rendo("adjust", "A", "=6")) == "A: on hand stays 6; nothing written"
    assert said(rendo("set", "define", "S", "A:1", "B:2")) == "S: set of A×1, B×2"
    assert said(rendo("reserve", "A", "2")) == "A: reserved 0 → 2"
    assert said(rendo("backorder", "B", "5")) == "B: backorder allowance 0 → 5"
    assert said(rendo("reorder-point", "A", "10")) == "A: reorder point none → 10"
    assert said(rendo("reorder-point", "A", "none")) == "A: reorder point 10 → none"
    assert said(rendo("undo", "2")) == "movement 2 undone by movement 4: A: on hand 6 → 3"
    assert rendo("stock", "--json").json()[0]["on_hand"] == 3


def test_channel_pattern_offset_and_map_commands_say_what_changed(rendo):
    rendo("item", "add", "A")
    assert said(rendo("channel", "add", "web", "--type", "manual")) == (
        "channel web added (manual)")
    assert said(rendo("channel", "add", "mall", "--type", "sandbox", "--url",
                      "http://127.0.0.1:9")) == (
        "channel mall added (sandbox); choose its first sync: rendo channel first mall "
        "push|pull")
    assert said(rendo("channel", "add", "shop", "--type", "sandbox", "--url",
                      "http://127.0.0.1:9", "--first", "push")) == (
        "channel shop added (sandbox); first sync: push Rendo's numbers")
    assert said(rendo("channel", "first", "mall", "pull")) == (
        "mall: first sync: take the channel's numbers")
    assert said(rendo("channel", "interval", "mall", "60")) == "mall: a sync every 60 s"
    assert said(rendo("offset", "A", "+20")) == "A: display offset none → +20"
    assert said(rendo("offset", "A", "-3")) == "A: display offset +20 → -3"
    assert said(rendo("offset", "A", "5", "--channel", "web")) == (
        "A: display offset on web none → 5")
    assert said(rendo("offset", "A", "none", "--channel", "web")) == (
        "A: display offset on web 5 → none")
    assert said(rendo("pattern", "add", "low", "--priority", "web,mall",
                      "--tier", "<=10:web=50%,mall=50%")) == (
        "allocation pattern low saved: <=10:web=50%,mall=50%")
    assert said(rendo("pattern", "assign", "low", "A")) == "A: allocation pattern low"
    assert said(rendo("map", "mall", "MALL-A", "A")) == (
        "mall: MALL-A → A; 0 waiting order lines applied")


def test_a_refused_write_says_only_why(rendo):
    run = rendo("adjust", "NOPE", "+1")
    assert run.code == 2
    assert run.out == ""
    assert run.err_lines == ["rendo: There is no item with code NOPE."]


def test_history_and_stock_show_words_not_internal_names(rendo):
    rendo("item", "add", "A")
    rendo("adjust", "A", "+5", "--reason", "receive")
    rendo("adjust", "A", "-1", "--reason", "damage")
    rendo("undo", "2")
    rendo("set", "define", "S", "A:2")
    history = [line.split("\t") for line in rendo("history", "A").out.splitlines()]
    assert [(row[0], row[2], row[3]) for row in history] == [
        ("3", "+1", "Undo"), ("2", "-1", "Damaged"), ("1", "+5", "Received")]
    assert history[1][-1] == "(undone by 3)"
    stock = [line.split("\t") for line in rendo("stock").out.splitlines()]
    assert stock[0] == ["Code", "Kind", "On hand", "Reserved", "Sellable", "Limited by"]
    assert stock[1][:3] == ["A", "Single", "5"]
    assert stock[2][:2] == ["S", "Set"]
    assert rendo("stock", "--json").json()[1]["kind"] == "set"  # scripts' format unchanged
    items = [line.split("\t")[:2] for line in rendo("item", "list").out.splitlines()]
    assert items == [["A", "Single"], ["S", "Set"]]


@pytest.mark.parametrize(("language", "words"), [
    ("ja", ["取消", "破損", "入荷"]), ("en", ["Undo", "Damaged", "Received"])])
def test_exported_history_uses_the_same_words_in_the_chosen_language(
    rendo, tmp_path, language, words
):
    rendo("item", "add", "A")
    rendo("adjust", "A", "+5", "--reason", "receive")
    rendo("adjust", "A", "-1", "--reason", "damage")
    rendo("undo", "2")
    path = tmp_path / "history.csv"
    assert rendo("export", "history", str(path), "--language", language,
                 "--encoding", "utf-8").code == 0
    rows = [line.split(",") for line in path.read_text(encoding="utf-8").splitlines()]
    assert [row[4] for row in rows[1:]] == words[::-1]


# -- the user's language ----------------------------------------------------------------------

PSEUDO = {  # (context, English) → translation for the test's .qm
    (ARGPARSE_CONTEXT, "usage: "): "使い方: ",
    (ARGPARSE_CONTEXT, "positional arguments"): "位置引数",
    (ARGPARSE_CONTEXT, "options"): "オプション",
    (ARGPARSE_CONTEXT, "show this help message and exit"): "このヘルプを表示して終了",
    (ARGPARSE_CONTEXT, "the following arguments are required: %s"): "必要な引数がありません: %s",
    (ARGPARSE_CONTEXT, "argument %(argument_name)s: %(message)s"):
        "引数 %(argument_name)s: %(message)s",
    (ARGPARSE_CONTEXT, "invalid choice: %(value)r (choose from %(choices)s)"):
        "%(value)r は選べません（%(choices)s）",
    (ARGPARSE_CONTEXT, "invalid %(type)s value: %(value)r"): "%(value)r は %(type)s ではありません",
    ("", "change on hand: +N, -N or =N"): "在庫数を変更",
    ("", "{text!r} cannot be negative"): "{text!r} は負の数にできません",
    ("", "{code}: on hand {before} → {after}"): "{code}: 在庫 {before} → {after}",
    ("", "{change} (movement {id})"): "{change}（入出庫 {id}）",
    ("", "(undone by {id})"): "（{id} で取消）",
    ("StockModel", "Code"): "コード",
    ("StockModel", "Kind"): "種類",
    ("StockModel", "On hand"): "実在庫",
    ("ItemDetailPanel", "Single"): "単品",
    ("ItemDetail", "Received"): "入荷",
    ("ItemDetail", "Undo"): "取消",
}


def compile_translation(folder: Path, messages: dict[tuple[str, str], str]) -> Path:
    """A .qm compiled by pyside6-lrelease from a .ts holding *messages* (marked with MARK)."""
    root = ET.Element("TS", version="2.1", language="ja_JP", sourcelanguage="en")
    contexts: dict[str, ET.Element] = {}
    for (context, source), translation in messages.items():
        if context not in contexts:
            contexts[context] = ET.SubElement(root, "context")
            ET.SubElement(contexts[context], "name").text = context
        message = ET.SubElement(contexts[context], "message")
        ET.SubElement(message, "source").text = source
        ET.SubElement(message, "translation").text = MARK + translation
    ts_file, qm_file = folder / "test_ja.ts", folder / "test_ja.qm"
    ET.ElementTree(root).write(ts_file, encoding="utf-8", xml_declaration=True)
    subprocess.run([qt_tool("lrelease"), "-silent", str(ts_file), "-qm", str(qm_file)],
                   check=True, timeout=60)
    return qm_file


@pytest.fixture
def pseudo_japanese(tmp_path, qapp, monkeypatch):
    """The test's translation installed; the command line's own choice is English, whose
    shipped file translates nothing, so every 〔訳〕 seen comes from a text the CLI asked for."""
    from app import i18n

    monkeypatch.setattr(i18n, "language_for", lambda locale: "en")
    translator = QTranslator()
    assert translator.load(str(compile_translation(tmp_path, PSEUDO)))
    qapp.installTranslator(translator)
    yield
    qapp.removeTranslator(translator)


def test_argparse_refusals_are_asked_in_the_users_language(rendo, pseudo_japanese):
    missing = rendo("adjust")
    assert missing.code == 2
    assert missing.err_lines == [f"rendo: {MARK}必要な引数がありません: code, change"]
    wrong = rendo("channel", "add", "web", "--type", "mall")
    assert wrong.code == 2
    choices = ", ".join(repr(name) for name in type_names())  # every channel type, in order
    assert wrong.err_lines == [
        f"rendo: {MARK}引数 --type: {MARK}'mall' は選べません（{choices}）"]
    negative = rendo("reserve", "A", "-2")
    assert negative.err_lines == [f"rendo: {MARK}引数 amount: {MARK}'-2' は負の数にできません"]
    not_a_number = rendo("undo", "x")
    assert not_a_number.err_lines == [
        f"rendo: {MARK}引数 movement_id: {MARK}'x' は int ではありません"]


def test_help_is_asked_in_the_users_language(rendo, pseudo_japanese):
    top = rendo("--help")
    assert top.code == 0
    assert top.out.startswith(f"{MARK}使い方: rendo ")
    assert f"{MARK}在庫数を変更" in top.out
    assert f"{MARK}位置引数:" in top.out and f"{MARK}オプション:" in top.out
    assert f"{MARK}このヘルプを表示して終了" in top.out
    adjust = rendo("adjust", "--help")
    assert adjust.out.startswith(f"{MARK}使い方: rendo adjust ")
    assert f"\n{MARK}在庫数を変更\n" in adjust.out  # the command's own description


def test_confirmations_history_and_stock_are_asked_in_the_users_language(rendo, pseudo_japanese):
    rendo("item", "add", "A")
    assert said(rendo("adjust", "A", "+5", "--reason", "receive")) == (
        f"{MARK}{MARK}A: 在庫 0 → 5（入出庫 1）")
    rendo("undo", "1")
    history = [line.split("\t") for line in rendo("history", "A").out.splitlines()]
    assert history[0][3] == f"{MARK}取消"
    assert history[1][3] == f"{MARK}入荷" and history[1][-1] == f"{MARK}（2 で取消）"
    header, row = (line.split("\t") for line in rendo("stock").out.splitlines())
    assert header[:3] == [f"{MARK}コード", f"{MARK}種類", f"{MARK}実在庫"]
    assert row[:2] == ["A", f"{MARK}単品"]
    assert rendo("stock", "--json").json()[0]["kind"] == "single"  # JSON stays English


def test_argparse_itself_is_back_to_english_after_a_command(rendo, pseudo_japanese):
    rendo("--version")
    parser = argparse.ArgumentParser(prog="other")
    assert parser.format_usage().startswith("usage: other")


# -- lupdate sees every text ------------------------------------------------------------------

def _help_texts(parser: argparse.ArgumentParser) -> set[str]:
    texts = {parser.description} if parser.description else set()
    for action in parser._actions:
        if action.help and action.help is not argparse.SUPPRESS:
            texts.add(action.help)
        if isinstance(action, argparse._SubParsersAction):
            texts.update(choice.help for choice in action._choices_actions if choice.help)
            for sub in set(action.choices.values()):
                texts |= _help_texts(sub)
    return texts


def test_every_help_text_and_argparse_message_can_be_translated(tmp_path):
    """lupdate (which the translator runs) finds each text the parser can show."""
    from app.cli import build_parser

    ts_file = tmp_path / "cli.ts"
    sources = ["app/cli.py", "app/cli_db.py", "app/cli_files.py", "app/cli_sync.py",
               "app/i18n.py"]
    subprocess.run([qt_tool("lupdate"), "-silent", "-locations", "none", *sources,
                    "-ts", str(ts_file)], cwd=REPO, check=True, timeout=120)
    found = {(c.findtext("name") or "", m.findtext("source"))
             for c in ET.parse(ts_file).getroot().iter("context") for m in c.iter("message")}
    helps = _help_texts(build_parser())
    assert len(helps) > 80
    # ours under the command line's (empty) context; -h's own text is argparse's
    missing = {t for t in helps if ("", t) not in found and (ARGPARSE_CONTEXT, t) not in found}
    assert missing == set()
    assert {(ARGPARSE_CONTEXT, text) for text in ARGPARSE_MESSAGES} <= found
    assert (ARGPARSE_CONTEXT, "usage: ") in found


def test_every_message_argparse_shows_a_user_is_listed_for_translation():
    """A message of this Python's argparse that reaches users but is not listed stays English:
    the list follows argparse (messages about wrong programs, not wrong input, are left out)."""
    import re

    source = Path(argparse.__file__).read_text(encoding="utf-8")
    asked = set(re.findall(r"""\b_\((['"])(.+?)\1\)""", source))
    programming_errors = {".__call__() not defined", "conflicting subparser: %s",
                          "conflicting subparser alias: %s", "argument \"-\" with mode %r",
                          "cannot merge actions - two groups are named %r",
                          "'required' is an invalid argument for positionals",
                          "dest= is required for options like %r",
                          "invalid conflict_resolution value: %r",
                          "mutually exclusive arguments must be optional",
                          "cannot have multiple subparser arguments", "%r is not callable",
                          "%(prog)s: error: %(message)s\\n",
                          "show program's version number and exit",
                          "subcommands", "invalid option string %(option)r: ",
                          "must start with a character %(prefix_chars)r"}
    shown = {text for _, text in asked} - programming_errors
    assert shown - set(ARGPARSE_MESSAGES) == set()


# -- `rendo demo --db` --------------------------------------------------------------------------

def _demo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "RENDO_DB"}  # Windows needs SYSTEMROOT
    env.update({"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"),
                "WIN_PD_OVERRIDE_LOCAL_APPDATA": str(tmp_path / "data"),
                "RENDO_LOG_DIR": str(tmp_path / "logs"), "QT_QPA_PLATFORM": "offscreen",
                "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"})
    return subprocess.run([sys.executable, "-m", "app", *args, "demo", "--headless",
                           "--seconds", "1"], cwd=REPO, env=env, capture_output=True,
                          encoding="utf-8", timeout=90)


def test_the_demo_uses_the_database_given_with_db(tmp_path, db_dump):
    chosen = tmp_path / "my-demo.sqlite3"
    run = _demo(tmp_path, "--db", str(chosen))
    assert run.returncode == 0, run.stderr
    assert any("INSERT INTO \"item\"" in line and "TW-001" in line for line in db_dump(chosen))
    assert not (tmp_path / "data" / "Rendo" / "demo.sqlite3").exists()


def test_the_demo_refuses_a_database_that_holds_a_shop(tmp_path, rendo, db_path, db_dump):
    rendo("item", "add", "MINE")
    before = db_dump()
    run = _demo(tmp_path, "--db", db_path)
    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        f"rendo: The demo needs a new or empty database, and {db_path} already holds a shop."]
    assert db_dump() == before


# -- no display --------------------------------------------------------------------------------

@pytest.mark.parametrize(("platform", "environ", "missing"), [
    ("linux", {}, True),
    ("linux", {"QT_QPA_PLATFORM": ""}, True),
    ("linux", {"DISPLAY": ":0"}, False),
    ("linux", {"WAYLAND_DISPLAY": "wayland-0"}, False),
    ("linux", {"QT_QPA_PLATFORM": "offscreen"}, False),  # --smoke, tests, screenshots
    ("freebsd14", {}, True),
    ("win32", {}, False),
    ("darwin", {}, False),
])
def test_a_missing_display_is_recognised_before_qt_is_asked(platform, environ, missing):
    from app.ui.app_main import display_missing

    assert display_missing(environ, platform) is missing


def _without_display(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "RENDO_DB")}
    env.update(LANG="C.UTF-8", LC_ALL="C.UTF-8", RENDO_LOG_DIR=str(tmp_path / "logs"),
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"),
               PYTHONIOENCODING="utf-8")
    return env


def test_the_smoke_check_still_opens_the_window_offscreen_without_a_display(tmp_path):
    """The command line's QCoreApplication gives way to the window's QApplication."""
    run = subprocess.run([sys.executable, "-m", "app", "--db", str(tmp_path / "s.sqlite3"),
                          "--smoke"], cwd=REPO, env=_without_display(tmp_path),
                         capture_output=True, encoding="utf-8", timeout=120)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.splitlines()[-1])["platform"] == "offscreen"


@pytest.mark.parametrize("command", [(), ("demo",)], ids=["window", "demo"])
def test_without_a_display_the_window_says_so_in_one_line(tmp_path, command):
    """Not Qt's abort naming libxcb-cursor0: one line, exit code 3, no database created."""
    env = _without_display(tmp_path)
    as_on_linux = ("import sys; sys.platform = 'linux'; from app.cli import main; "
                   "raise SystemExit(main(sys.argv[1:]))")
    database = tmp_path / "shop.sqlite3"
    run = subprocess.run([sys.executable, "-c", as_on_linux, "--db", str(database), *command],
                         cwd=REPO, env=env, capture_output=True, encoding="utf-8", timeout=60)
    assert run.returncode == 3
    assert run.stdout == ""
    assert run.stderr.splitlines() == [
        "rendo: no display found to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is "
        "set). Start Rendo from a desktop session, or use the command line: rendo --help"]
    assert not database.exists()


def test_confirmations_name_the_item_as_kept_when_its_code_is_typed_full_width(rendo):
    assert said(rendo("item", "add", "00123")) == "00123: item added"
    assert said(rendo("adjust", "00123", "+5")) == "00123: on hand 0 → 5 (movement 1)"
    assert said(rendo("adjust", "００１２３", "=5")) == "00123: on hand stays 5; nothing written"
    assert said(rendo("reserve", "００１２３", "2")) == "00123: reserved 0 → 2"
    assert said(rendo("offset", "００１２３", "+3")) == "00123: display offset none → +3"
