"""The ``rendo`` command line: the same services as the window, for scripts and tests.

Exit codes: 0 ok; 1 ``check`` found a problem; 2 bad input (one line on stderr, nothing
written); 3 the database, the disk or the keyring failed (one line on stderr saying what to do).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn

from PySide6.QtCore import QCoreApplication

from app.domain.offsets import parse_offset
from app.i18n import error_text, tr

if TYPE_CHECKING:
    from app.services.shop import Shop

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT, EXIT_ENVIRONMENT = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line naming what is wrong, exit 2 (argparse prints the whole usage)."""
        self.exit(EXIT_BAD_INPUT, f"rendo: {message}\n")


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} cannot be negative")
    return value


def _optional_count(text: str) -> int | None:
    return None if text.lower() == "none" else _count(text)


def _component(text: str) -> tuple[str, int]:
    code, sep, qty = text.rpartition(":")
    if not sep:
        return text, 1
    try:
        return code, int(qty)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not COMPONENT:QUANTITY") from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="rendo", description="Rendo: one stock ledger for every channel.")
    parser.add_argument("--db", help="database file or URL (default: RENDO_DB or the user's "
                        "data directory)")
    parser.add_argument("--create", action="store_true",
                        help="create the --db file's folder if it does not exist")
    parser.add_argument("--smoke", action="store_true",
                        help="open the window offscreen once and exit (packaging check)")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    item = sub.add_parser("item", help="items").add_subparsers(dest="action", required=True,
                                                                parser_class=_Parser)
    add = item.add_parser("add", help="add a single item")
    add.add_argument("code")
    add.add_argument("--name", default="")
    add.add_argument("--jan")
    add.add_argument("--unlimited", action="store_true")
    item_list = item.add_parser("list", help="list items")
    item_list.add_argument("--json", action="store_true")

    set_ = sub.add_parser("set", help="set products").add_subparsers(
        dest="action", required=True, parser_class=_Parser)
    define = set_.add_parser("define", help="define a set: rendo set define SET A:1 B:2")
    define.add_argument("set_code")
    define.add_argument("components", nargs="+", type=_component)

    adjust = sub.add_parser("adjust", help="change on hand: +N, -N or =N")
    adjust.add_argument("code")
    adjust.add_argument("change")
    adjust.add_argument("--reason", default="manual",
                        help="manual, stocktake, receive, damage, return or a note")

    for name, helptext in (("reserve", "units kept back from every channel"),
                           ("backorder", "units an item may sell below zero"),
                           ("reorder-point", "low-stock threshold (or none)")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("code")
        p.add_argument("amount", type=_optional_count if name == "reorder-point" else _count)

    channel = sub.add_parser("channel", help="channels").add_subparsers(
        dest="action", required=True, parser_class=_Parser)
    channel_add = channel.add_parser("add", help="add a channel")
    channel_add.add_argument("name")
    channel_add.add_argument("--type", default="manual", choices=("manual", "sandbox"))
    channel_add.add_argument("--url", help="the channel's API address (https://…)")
    channel_add.add_argument("--first", choices=("push", "pull"),
                             help="first sync: push Rendo's numbers or pull the channel's")
    channel_add.add_argument("--token-stdin", action="store_true",
                             help="read the API token from standard input (kept in the keyring)")
    channel_add.add_argument("--max", type=_count, dest="maximum")
    channel_add.add_argument("--unlimited-qty", type=_count, default=9999)
    channel.add_parser("list", help="list channels with their sync status")
    channel_credentials = channel.add_parser(
        "credentials", help="replace a channel's credentials (kept in the keyring)")
    channel_credentials.add_argument("name")
    channel_credentials.add_argument("--token-stdin", action="store_true", required=True,
                                     help="read the API token from standard input")
    channel_remove = channel.add_parser(
        "remove", help="remove a channel, its listings and credentials (movements stay)")
    channel_remove.add_argument("name")
    channel_first = channel.add_parser("first", help="choose the first sync: push or pull")
    channel_first.add_argument("name")
    channel_first.add_argument("mode", choices=("push", "pull"))
    channel_preview = channel.add_parser("preview", help="what the first sync would change")
    channel_preview.add_argument("name")
    channel_interval = channel.add_parser("interval", help="seconds between syncs (5-3600)")
    channel_interval.add_argument("name")
    channel_interval.add_argument("seconds", type=int)

    sync = sub.add_parser("sync", help="sync the channels")
    mode = sync.add_mutually_exclusive_group(required=True)
    mode.add_argument("--once", action="store_true", help="one cycle of every channel")
    mode.add_argument("--watch", action="store_true", help="keep syncing until Ctrl+C")
    sync.add_argument("--interval", type=float, default=None,
                      help="seconds between cycles with --watch (default 15)")
    sub.add_parser("unmatched", help="order lines no item matches yet")
    map_ = sub.add_parser("map", help="map a channel's item id to an item code")
    map_.add_argument("channel")
    map_.add_argument("channel_item_id")
    map_.add_argument("code")

    sandbox = sub.add_parser("sandbox", help="the local sandbox shop").add_subparsers(
        dest="action", required=True, parser_class=_Parser)
    serve = sandbox.add_parser("serve", help="run a sandbox shop on this PC")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--catalog", help="CSV of sku,quantity")
    demo = sub.add_parser("demo", help="a demo shop with three sandbox channels")
    demo.add_argument("--headless", action="store_true", help="no window: sync in the terminal")
    demo.add_argument("--seconds", type=float, default=None,
                      help="with --headless, stop after this many seconds")

    pattern = sub.add_parser("pattern", help="allocation patterns").add_subparsers(
        dest="action", required=True, parser_class=_Parser)
    pattern_add = pattern.add_parser("add", help="add an allocation pattern")
    pattern_add.add_argument("name")
    pattern_add.add_argument("--priority", default="")
    pattern_add.add_argument("--tier", action="append", required=True,
                             help='e.g. "<=10:A=50%%,B=30%%,C=20%%"; tried in the order given')
    pattern_add.add_argument("--hold-back", action="store_true",
                             help="keep units left by rounding instead of giving them out")
    pattern_assign = pattern.add_parser("assign", help="give items a pattern")
    pattern_assign.add_argument("name")
    pattern_assign.add_argument("codes", nargs="+")
    pattern.add_parser("list", help="list patterns")

    offset = sub.add_parser("offset", help="display offset: +N, -N, N or none")
    offset.add_argument("code")
    offset.add_argument("offset")
    offset.add_argument("--channel")

    undo = sub.add_parser("undo", help="append the reverse of a movement")
    undo.add_argument("movement_id", type=int)
    history = sub.add_parser("history", help="movements of an item")
    history.add_argument("code")
    sub.add_parser("check", help="verify the database file and that on hand equals the sum "
                   "of movements")
    backup = sub.add_parser("backup", help="copy the database to FILE (safe while Rendo runs)")
    backup.add_argument("file")
    stock = sub.add_parser("stock", help="computed stock of every item")
    stock.add_argument("--json", action="store_true")
    from app import cli_files  # import, import-undo, export, template

    cli_files.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    for name in ("stdout", "stderr"):  # a windowed build (Windows) has neither
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
    args = build_parser().parse_args(argv)
    if args.version:
        from app import __version__

        print(__version__)
        return EXIT_OK
    if args.command is None:
        from app.ui.app_main import run_gui

        return run_gui(args.db, smoke=args.smoke)
    if args.command == "sandbox":
        from app import cli_sync as commands

        return commands.sandbox_serve(args)
    if args.command == "demo":
        from app.demo import run_demo

        return run_demo(args)
    return run_command(args)


def run_command(args: argparse.Namespace) -> int:
    from app.logsetup import configure_logging
    from app.store.database import (
        close_database,
        is_default_location,
        open_database,
        resolve_location,
    )
    from app.store.errors import EnvironmentFailure, classify
    from app.ui.translations import install_translators

    configure_logging()
    app = QCoreApplication.instance() or QCoreApplication(["rendo"])
    translators = install_translators(app)
    location = resolve_location(args.db)
    try:
        try:
            open_database(location, create_folder=args.create or is_default_location(location),
                          backups=True)
            handler = COMMANDS[args.command]
            return handler(args)
        except Exception as error:  # the database's and the system's failures: one line
            found = classify(error, location)
            if found is None:
                raise
            print(f"rendo: {error_text(found)}", file=sys.stderr)
            if not isinstance(found, EnvironmentFailure):
                return EXIT_BAD_INPUT
            if args.command == "check" and found.kind == "damaged":
                return EXIT_CHECK_FAILED
            return EXIT_ENVIRONMENT
        finally:
            close_database()
    finally:
        del translators


# -- commands -----------------------------------------------------------------------------

def _shop() -> Shop:
    from app.services.shop import Shop

    return Shop()


def cmd_item(args: argparse.Namespace) -> int:
    shop = _shop()
    if args.action == "add":
        shop.add_item(args.code, args.name, args.jan, args.unlimited)
        return EXIT_OK
    items = [
        {"code": i.code, "name": i.name, "kind": i.kind.value, "jan": i.jan,
         "unlimited": i.unlimited, "reserved": i.reserved,
         "backorder_allowance": i.backorder_allowance, "reorder_point": i.reorder_point,
         "pattern": i.pattern}
        for i in (shop.book.items[c] for c in sorted(shop.book.items))
    ]
    if args.json:
        print(json.dumps(items, ensure_ascii=False, indent=1))
    else:
        for i in items:
            print(f"{i['code']}\t{i['kind']}\t{i['name']}\t{i['jan'] or ''}")
    return EXIT_OK


def cmd_set(args: argparse.Namespace) -> int:
    _shop().define_set(args.set_code, args.components)
    return EXIT_OK


def cmd_adjust(args: argparse.Namespace) -> int:
    movement = _shop().adjust(args.code, args.change, args.reason)
    if movement is not None:
        print(tr("movement {id}").format(id=movement))
    return EXIT_OK


def _field_command(field: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        _shop().set_item_field([args.code], field, args.amount)
        return EXIT_OK

    return run


def cmd_channel(args: argparse.Namespace) -> int:
    from app import cli_sync as commands

    return commands.channel(_shop(), args)


def cmd_pattern(args: argparse.Namespace) -> int:
    shop = _shop()
    if args.action == "add":
        shop.save_pattern(args.name, args.tier, args.priority.split(","), args.hold_back)
    elif args.action == "assign":
        shop.assign_pattern(args.name, args.codes)
    else:
        for pattern in shop.patterns():
            tiers = " | ".join(str(t) for t in pattern.tiers)
            hold = " hold-back" if pattern.hold_back else ""
            print(f"{pattern.name}\t{tiers}\tpriority {','.join(pattern.priority)}{hold}")
    return EXIT_OK


def cmd_offset(args: argparse.Namespace) -> int:
    _shop().set_offset([args.code], parse_offset(args.offset), args.channel)
    return EXIT_OK


def cmd_undo(args: argparse.Namespace) -> int:
    print(tr("movement {id}").format(id=_shop().undo(args.movement_id)))
    return EXIT_OK


def cmd_history(args: argparse.Namespace) -> int:
    for m in _shop().history(args.code):
        undone = f"\t(undone by {m.undone_by})" if m.undone_by else ""
        print(f"{m.id}\t{m.created_at:%Y-%m-%d %H:%M:%S}\t{m.delta:+d}\t{m.reason}\t"
              f"{m.reference}\t{m.user}{undone}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from app.services.report import check_ledger
    from app.store.database import current_location, foreign_key_problems, integrity_problems
    from app.store.errors import backups_folder, shown_location

    problems = [tr("database: {problem}").format(problem=p) for p in integrity_problems()]
    problems += [tr("database: {table} row {row} refers to a {parent} row that is not "
                    "there").format(table=t, row=r, parent=p) for t, r, p in foreign_key_problems()]
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        location = current_location()
        print(tr("The database {location} is damaged: Rendo will not write to it. Restore a "
                 "backup: close Rendo, then copy the newest file from {backups} in its "
                 "place.").format(location=shown_location(location),
                                  backups=backups_folder(location)), file=sys.stderr)
        return EXIT_CHECK_FAILED
    mismatches = check_ledger()
    for m in mismatches:
        print(tr("{code}: on hand {cached} but movements add up to {ledger}").format(
            code=m.code, cached=m.cached, ledger=m.ledger), file=sys.stderr)
    if mismatches:
        return EXIT_CHECK_FAILED
    print(tr("ledger ok"))
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    from app.store.backup import backup_to

    print(tr("backup written to {file}").format(file=backup_to(args.file)))
    return EXIT_OK


def cmd_stock(args: argparse.Namespace) -> int:
    from app.services.report import stock_rows

    rows = stock_rows(_shop())
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return EXIT_OK
    channels = list(rows[0]["channels"]) if rows else []
    print("\t".join(["code", "kind", "on_hand", "reserved", "sellable", "limited_by",
                     *channels]))
    for row in rows:
        on_hand = "" if row["on_hand"] is None else row["on_hand"]
        print("\t".join(str(v) for v in (
            row["code"], row["kind"], on_hand, row["reserved"], row["sellable"],
            row["limited_by"] or "", *(row["channels"][c] for c in channels))))
    return EXIT_OK


def _sync_command(name: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from app import cli_sync as commands

        return getattr(commands, name)(_shop(), args)  # type: ignore[no-any-return]

    return run


def _files_command(name: str, args: argparse.Namespace) -> int:
    from app import cli_files as commands

    handler = getattr(commands, name)
    if name == "cmd_template":
        return handler(args)  # type: ignore[no-any-return]
    return handler(_shop(), args)  # type: ignore[no-any-return]


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "sync": _sync_command("sync"),
    "unmatched": _sync_command("unmatched"),
    "map": _sync_command("map_code"),
    "item": cmd_item,
    "set": cmd_set,
    "adjust": cmd_adjust,
    "reserve": _field_command("reserved"),
    "backorder": _field_command("backorder_allowance"),
    "reorder-point": _field_command("reorder_point"),
    "channel": cmd_channel,
    "pattern": cmd_pattern,
    "offset": cmd_offset,
    "undo": cmd_undo,
    "history": cmd_history,
    "check": cmd_check,
    "backup": cmd_backup,
    "stock": cmd_stock,
    "import": lambda args: _files_command("cmd_import", args),
    "import-undo": lambda args: _files_command("cmd_import_undo", args),
    "undo-import": lambda args: _files_command("cmd_import_undo", args),
    "export": lambda args: _files_command("cmd_export", args),
    "template": lambda args: _files_command("cmd_template", args),
}
