"""The ``rendo`` command line: the same services as the window, for scripts and tests.

Exit codes: 0 ok; 1 ``check`` found a problem; 2 bad input (one line on stderr, nothing
written); 3 the environment failed: the database, the disk or the keyring, or the window found
no display (one line on stderr saying what to do); 141 the program reading the output closed
it (``rendo stock | head``): the command stops there, silently, as other command-line tools do.

Every text goes through Qt's translators, argparse's own words included; ``--json`` output
stays English for scripts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from app.cli_output import EXIT_OUTPUT_CLOSED, discard_stdout, output_closed
from app.domain.offsets import parse_offset
from app.i18n import argparse_translated, error_text, kind_label, reason_label, tr

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
        raise argparse.ArgumentTypeError(
            tr("{text!r} is not a whole number").format(text=text)) from None
    if value < 0:
        raise argparse.ArgumentTypeError(tr("{text!r} cannot be negative").format(text=text))
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
        raise argparse.ArgumentTypeError(
            tr("{text!r} is not COMPONENT:QUANTITY").format(text=text)) from None


def _command(sub: Any, name: str, helptext: str, **kwargs: Any) -> argparse.ArgumentParser:
    """A subcommand whose own --help starts with the sentence the command list shows."""
    parser: argparse.ArgumentParser = sub.add_parser(name, help=helptext, description=helptext,
                                                     **kwargs)
    return parser


def _group(sub: Any, name: str, helptext: str) -> Any:
    """A command with actions (``rendo item add``…)."""
    return _command(sub, name, helptext).add_subparsers(
        dest="action", required=True, parser_class=_Parser, metavar="ACTION")


def build_parser() -> argparse.ArgumentParser:
    """The whole command line; every text is looked up in the user's language."""
    parser = _Parser(prog="rendo", description=tr("Rendo: one stock ledger for every channel."))
    parser.add_argument("--db", help=tr("database file or URL (default: RENDO_DB or the "
                                        "user's data directory)"))
    parser.add_argument("--create", action="store_true",
                        help=tr("create the --db file's folder if it does not exist"))
    parser.add_argument("--smoke", action="store_true",
                        help=tr("open the window offscreen once and exit (packaging check)"))
    parser.add_argument("--version", action="store_true", help=tr("print the version and exit"))
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    item = _group(sub, "item", tr("items"))
    add = _command(item, "add", tr("add a single item"))
    add.add_argument("code", help=tr("the item's code (text: 00123 and 123 differ)"))
    add.add_argument("--name", default="", help=tr("the item's name"))
    add.add_argument("--jan", help=tr("JAN (barcode)"))
    add.add_argument("--unlimited", action="store_true",
                     help=tr("made to order: channels always show their unlimited number"))
    item_list = _command(item, "list", tr("list items"))
    item_list.add_argument("--json", action="store_true", help=tr("machine-readable output"))

    set_ = _group(sub, "set", tr("set products"))
    define = _command(set_, "define", tr("define a set: rendo set define SET A:1 B:2"))
    define.add_argument("set_code", help=tr("the set's code (created if new)"))
    define.add_argument("components", nargs="+", type=_component,
                        help=tr("COMPONENT:QUANTITY, one for each component"))

    adjust = _command(sub, "adjust", tr("change on hand: +N, -N or =N"))
    adjust.add_argument("code", help=tr("the item's code"))
    adjust.add_argument("change", help=tr("+N adds, -N takes away, =N is a count"))
    adjust.add_argument("--reason", default="manual",
                        help=tr("manual, stocktake, receive, damage, return or a note"))

    for name, helptext, amount in (
        ("reserve", tr("units kept back from every channel"), tr("units")),
        ("backorder", tr("units an item may sell below zero"), tr("units")),
        ("reorder-point", tr("low-stock threshold (or none)"), tr("units, or none")),
    ):
        p = _command(sub, name, helptext)
        p.add_argument("code", help=tr("the item's code"))
        p.add_argument("amount", type=_optional_count if name == "reorder-point" else _count,
                       help=amount)

    channel = _group(sub, "channel", tr("channels"))
    channel_add = _command(channel, "add", tr("add a channel"))
    channel_add.add_argument("name", help=tr("the channel's name in Rendo"))
    from app.channels.registry import channel_types

    types = channel_types()
    channel_add.add_argument("--type", default="manual", choices=tuple(types),
                             help=tr("the channel's kind: manual (a column of numbers, not "
                                     "synced), sandbox (the local demo shop) or the channel's "
                                     "own name"))
    channel_add.add_argument("--url", help=tr("the channel's API address (https://…); for "
                                              "channels with a known address, it replaces "
                                              "its host (a test double)"))
    channel_add.add_argument("--set", action="append", default=[], dest="options",
                             metavar="KEY=VALUE",
                             help=tr("a setting of the channel's type (repeatable)"))
    channel_add.add_argument("--first", choices=("push", "pull"),
                             help=tr("first sync: push Rendo's numbers or pull the channel's"))
    channel_add.add_argument("--token-stdin", action="store_true",
                             help=tr("read the credentials from standard input, one key=value "
                                     "a line (kept in the keyring)"))
    channel_add.add_argument("--max", type=_count, dest="maximum",
                             help=tr("the most this channel may show"))
    channel_add.add_argument("--unlimited-qty", type=_count, default=9999,
                             help=tr("what it shows for unlimited items (default 9999)"))
    _command(channel, "list", tr("list channels with their sync status"))
    channel_credentials = _command(channel, "credentials",
                                   tr("replace a channel's credentials (kept in the keyring)"))
    channel_credentials.add_argument("name", help=tr("the channel's name"))
    channel_credentials.add_argument("--token-stdin", action="store_true", required=True,
                                     help=tr("read the credentials from standard input, one "
                                             "key=value a line"))
    channel_remove = _command(channel, "remove", tr("remove a channel, its listings and "
                                                    "credentials (movements stay)"))
    channel_remove.add_argument("name", help=tr("the channel's name"))
    channel_first = _command(channel, "first", tr("choose the first sync: push or pull"))
    channel_first.add_argument("name", help=tr("the channel's name"))
    channel_first.add_argument("mode", choices=("push", "pull"),
                               help=tr("push: Rendo's numbers win; pull: the channel's do"))
    channel_preview = _command(channel, "preview", tr("what the first sync would change"))
    channel_preview.add_argument("name", help=tr("the channel's name"))
    channel_interval = _command(channel, "interval", tr("seconds between syncs (5-3600)"))
    channel_interval.add_argument("name", help=tr("the channel's name"))
    channel_interval.add_argument("seconds", type=int, help=tr("seconds"))

    sync = _command(sub, "sync", tr("sync the channels"))
    mode = sync.add_mutually_exclusive_group(required=True)
    mode.add_argument("--once", action="store_true", help=tr("one cycle of every channel"))
    mode.add_argument("--watch", action="store_true", help=tr("keep syncing until Ctrl+C"))
    sync.add_argument("--interval", type=float, default=None,
                      help=tr("seconds between cycles with --watch (default 15)"))
    _command(sub, "unmatched", tr("order lines no item matches yet"))
    map_ = _command(sub, "map", tr("map a channel's item id to an item code"))
    map_.add_argument("channel", help=tr("the channel's name"))
    map_.add_argument("channel_item_id", help=tr("the id the channel's orders name"))
    map_.add_argument("code", help=tr("the item's code in Rendo"))

    sandbox = _group(sub, "sandbox", tr("the local sandbox shop"))
    serve = _command(sandbox, "serve", tr("run a sandbox shop on this PC"))
    serve.add_argument("--port", type=int, default=0, help=tr("port (default: any free one)"))
    serve.add_argument("--catalog", help=tr("CSV of sku,quantity"))
    demo = _command(sub, "demo", tr("a demo shop with three sandbox channels"))
    demo.add_argument("--headless", action="store_true",
                      help=tr("no window: sync in the terminal"))
    demo.add_argument("--seconds", type=float, default=None,
                      help=tr("with --headless, stop after this many seconds"))

    pattern = _group(sub, "pattern", tr("allocation patterns"))
    pattern_add = _command(pattern, "add", tr("add an allocation pattern"))
    pattern_add.add_argument("name", help=tr("the pattern's name"))
    pattern_add.add_argument("--priority", default="",
                             help=tr("channels in priority order, comma-separated"))
    pattern_add.add_argument("--tier", action="append", required=True,
                             help=tr('e.g. "<=10:A=50%%,B=30%%,C=20%%"; tried in the order '
                                     'given'))
    pattern_add.add_argument("--hold-back", action="store_true",
                             help=tr("keep units left by rounding instead of giving them out"))
    pattern_assign = _command(pattern, "assign", tr("give items a pattern"))
    pattern_assign.add_argument("name", help=tr("the pattern's name"))
    pattern_assign.add_argument("codes", nargs="+", help=tr("item codes"))
    _command(pattern, "list", tr("list patterns"))

    offset = _command(sub, "offset", tr("display offset: +N, -N, N or none"))
    offset.add_argument("code", help=tr("the item's code"))
    offset.add_argument("offset", help=tr("+N adds, -N takes away, N shows at most N; none "
                                          "removes it"))
    offset.add_argument("--channel", help=tr("for this channel only"))

    undo = _command(sub, "undo", tr("append the reverse of a movement"))
    undo.add_argument("movement_id", type=int, help=tr("the movement's number (see history)"))
    history = _command(sub, "history", tr("movements of an item"))
    history.add_argument("code", help=tr("the item's code"))
    _command(sub, "check", tr("verify the database file and that on hand equals the sum of "
                              "movements"))
    backup = _command(sub, "backup", tr("copy the database to FILE (safe while Rendo runs)"))
    backup.add_argument("file", help=tr("the copy to write (never overwritten)"))
    stock = _command(sub, "stock", tr("computed stock of every item"))
    stock.add_argument("--json", action="store_true",
                       help=tr("machine-readable output (a stable format)"))
    from app import cli_db, cli_files  # import, import-undo, export, template; db

    cli_files.add_parsers(sub)
    cli_db.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    for name in ("stdout", "stderr"):  # a windowed build (Windows) has neither
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
    from app.i18n import install_translators, remove_translators

    # The user's language from the start: argparse's help and refusals are printed while
    # parsing. The window replaces this QCoreApplication with its QApplication.
    app = QCoreApplication.instance() or QCoreApplication(["rendo"])
    translators = install_translators(app)
    try:
        try:
            with argparse_translated():
                args = build_parser().parse_args(argv)
            return _run(args)
        finally:  # here, where a closed pipe can still be caught, rather than at exit
            sys.stdout.flush()
    except OSError as error:
        if not output_closed(error):
            raise
        discard_stdout()  # `rendo stock | head`: the reader has gone; stop quietly
        return EXIT_OUTPUT_CLOSED
    finally:
        if QCoreApplication.instance() is app:
            remove_translators(app, translators)


def _run(args: argparse.Namespace) -> int:
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
    if args.command == "db":  # names its own databases; opens no --db
        from app import cli_db

        return cli_db.run(args)
    if args.command == "demo":
        from app.demo import run_demo

        return run_demo(args)
    return run_command(args)


def run_command(args: argparse.Namespace) -> int:
    from app.logsetup import configure_logging
    from app.services.database import (
        EnvironmentFailure,
        classify,
        close_database,
        is_default_location,
        open_database,
        resolve_location,
    )

    configure_logging()
    location = resolve_location(args.db)
    try:
        open_database(location, create_folder=args.create or is_default_location(location),
                      backups=True)
        handler = COMMANDS[args.command]
        return handler(args)
    except Exception as error:  # the database's and the system's failures: one line
        if output_closed(error):  # main() ends quietly: not the database's failure
            raise
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

# -- commands -----------------------------------------------------------------------------

def _shop() -> Shop:
    from app.services.shop import Shop

    return Shop()


def _shown(value: object) -> str:
    """A setting's value in a confirmation: None reads "none"."""
    return tr("none") if value is None else str(value)


def cmd_item(args: argparse.Namespace) -> int:
    shop = _shop()
    if args.action == "add":
        code = shop.add_item(args.code, args.name, args.jan, args.unlimited)
        print(tr("{code}: item added").format(code=code))
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
            print(f"{i['code']}\t{kind_label(i['kind'])}\t{i['name']}\t{i['jan'] or ''}")
    return EXIT_OK


def cmd_set(args: argparse.Namespace) -> int:
    _shop().define_set(args.set_code, args.components)
    parts = ", ".join(f"{code}×{quantity}" for code, quantity in args.components)
    print(tr("{code}: set of {components}").format(code=args.set_code.strip(),
                                                   components=parts))
    return EXIT_OK


def _on_hand_change(movement: int) -> str:
    from app.services.report import movement_outcome

    code, delta, on_hand = movement_outcome(movement)
    return tr("{code}: on hand {before} → {after}").format(
        code=code, before=on_hand - delta, after=on_hand)


def _kept(code: str) -> str:
    """The code as the shop keeps it, for confirmations (full-width input finds 00123)."""
    from app.services.shop import kept_code

    return kept_code(code)


def cmd_adjust(args: argparse.Namespace) -> int:
    shop = _shop()
    movement = shop.adjust(args.code, args.change, args.reason)
    if movement is None:
        code = _kept(args.code)
        print(tr("{code}: on hand stays {count}; nothing written").format(
            code=code, count=shop.book.on_hand.get(code, 0)))
    else:
        print(tr("{change} (movement {id})").format(change=_on_hand_change(movement),
                                                    id=movement))
    return EXIT_OK


_FIELD_WORDS = {
    "reserved": QT_TRANSLATE_NOOP("", "reserved"),
    "backorder_allowance": QT_TRANSLATE_NOOP("", "backorder allowance"),
    "reorder_point": QT_TRANSLATE_NOOP("", "reorder point"),
}


def _field_command(field: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        shop = _shop()
        code = _kept(args.code)
        item = shop.book.items.get(code)
        before = getattr(item, field) if item is not None else None
        shop.set_item_field([args.code], field, args.amount)
        print(tr("{code}: {field} {before} → {after}").format(
            code=code, field=tr(_FIELD_WORDS[field]), before=_shown(before),
            after=_shown(args.amount)))
        return EXIT_OK

    return run


def cmd_channel(args: argparse.Namespace) -> int:
    from app import cli_sync as commands

    return commands.channel(_shop(), args)


def cmd_pattern(args: argparse.Namespace) -> int:
    shop = _shop()
    if args.action == "add":
        pattern = shop.save_pattern(args.name, args.tier, args.priority.split(","),
                                    args.hold_back)
        print(tr("allocation pattern {name} saved: {tiers}").format(
            name=pattern.name, tiers=" | ".join(str(t) for t in pattern.tiers)))
    elif args.action == "assign":
        shop.assign_pattern(args.name, args.codes)
        print(tr("{codes}: allocation pattern {name}").format(codes=", ".join(args.codes),
                                                              name=args.name))
    else:
        for pattern in shop.patterns():
            tiers = " | ".join(str(t) for t in pattern.tiers)
            hold = " " + tr("hold-back") if pattern.hold_back else ""
            priority = tr("priority {channels}").format(channels=",".join(pattern.priority))
            print(f"{pattern.name}\t{tiers}\t{priority}{hold}")
    return EXIT_OK


def cmd_offset(args: argparse.Namespace) -> int:
    shop = _shop()
    book, code = shop.book, _kept(args.code)
    if args.channel:
        before = book.channel_offsets.get(code, {}).get(args.channel)
    else:
        before = book.offsets.get(code)
    offset = parse_offset(args.offset)
    shop.set_offset([args.code], offset, args.channel)
    if args.channel:
        line = tr("{code}: display offset on {channel} {before} → {after}")
    else:
        line = tr("{code}: display offset {before} → {after}")
    print(line.format(code=code, channel=args.channel, before=_shown(before),
                      after=_shown(offset)))
    return EXIT_OK


def cmd_undo(args: argparse.Namespace) -> int:
    movement = _shop().undo(args.movement_id)
    print(tr("movement {id} undone by movement {undo}: {change}").format(
        id=args.movement_id, undo=movement, change=_on_hand_change(movement)))
    return EXIT_OK


def cmd_history(args: argparse.Namespace) -> int:
    for m in _shop().history(args.code):
        undone = "\t" + tr("(undone by {id})").format(id=m.undone_by) if m.undone_by else ""
        print(f"{m.id}\t{m.created_at:%Y-%m-%d %H:%M:%S}\t{m.delta:+d}\t"
              f"{reason_label(m.reason)}\t{m.reference}\t{m.user}{undone}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from app.services.database import (
        backups_folder,
        current_location,
        foreign_key_problems,
        integrity_problems,
        shown_location,
    )
    from app.services.report import check_ledger

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
    from app.services.database import backup_to

    print(tr("backup written to {file}").format(file=backup_to(args.file)))
    return EXIT_OK


STOCK_HEADER = (  # the grid's words
    QT_TRANSLATE_NOOP("StockModel", "Code"),
    QT_TRANSLATE_NOOP("StockModel", "Kind"),
    QT_TRANSLATE_NOOP("StockModel", "On hand"),
    QT_TRANSLATE_NOOP("StockModel", "Reserved"),
    QT_TRANSLATE_NOOP("StockModel", "Sellable"),
    QT_TRANSLATE_NOOP("StockModel", "Limited by"),
)


def cmd_stock(args: argparse.Namespace) -> int:
    from app.services.report import stock_rows

    rows = stock_rows(_shop())
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return EXIT_OK
    channels = list(rows[0]["channels"]) if rows else []
    print("\t".join([*(QCoreApplication.translate("StockModel", h) for h in STOCK_HEADER),
                     *channels]))
    for row in rows:
        on_hand = "" if row["on_hand"] is None else row["on_hand"]
        print("\t".join(str(v) for v in (
            row["code"], kind_label(row["kind"]), on_hand, row["reserved"], row["sellable"],
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
