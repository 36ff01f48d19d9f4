"""``rendo import``, ``import-undo``, ``export`` and ``template``: files in and out.

Every refused row is printed on stderr, one line each with its row and column; the exit code
is then 2 and nothing was written.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

from PySide6.QtCore import QCoreApplication

from app.domain.errors import QT_TRANSLATE_NOOP, BadInput
from app.files.common import FileRefused, Problem
from app.i18n import error_text, tr

EXIT_OK, EXIT_BAD_INPUT = 0, 2
MAX_PROBLEM_LINES = 500


def _translate(context: str, text: str) -> str:
    return QCoreApplication.translate(context, text)


def _print_problems(problems: list[Problem], stream: Any = None) -> None:
    stream = stream or sys.stderr
    for problem in problems[:MAX_PROBLEM_LINES]:
        print(f"rendo: {problem.text(_translate)}", file=stream)
    if len(problems) > MAX_PROBLEM_LINES:
        print(tr("rendo: … and %n more problems", None, len(problems) - MAX_PROBLEM_LINES),
              file=stream)


def refusal(error: FileRefused) -> int:
    _print_problems(error.problems)
    print(f"rendo: {error_text(error)}", file=sys.stderr)
    return EXIT_BAD_INPUT


def column_choice(text: str) -> tuple[str, str]:
    name, sep, column = text.partition("=")
    if not sep or not name.strip() or not column.strip():
        raise argparse.ArgumentTypeError(tr("{text!r} is not FIELD=COLUMN").format(text=text))
    return name.strip(), column.strip()


def day(text: str) -> date:
    try:
        return date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            tr("{text!r} is not a date (YYYY-MM-DD)").format(text=text)) from None


def _shown(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items()) or "-"
    return str(value)


def cmd_import(shop: Any, args: argparse.Namespace) -> int:
    from app.services.importing import (
        ImportOptions,
        ImportPlan,
        ImportRefused,
        import_file,
        preview,
        read_import,
        refused,
    )

    options = ImportOptions(
        kind=args.kind, mode=args.mode, encoding=args.encoding, delimiter=args.delimiter,
        sheet=args.sheet, columns=dict(args.column or []), header_row=args.header_row,
        create_unknown=args.create_unknown, format=args.format, location=args.location,
    )
    plan: ImportPlan
    try:
        if args.dry_run:  # every row's change, then every problem
            source = read_import(args.file, options)
            _print_format(source)
            plan = preview(shop, source)
            _print_changes(plan)
            if plan.problems:
                raise refused(source, plan.problems)
        else:
            plan = import_file(shop, args.file, options)
    except ImportRefused as error:
        return refusal(error)
    for warning in plan.warnings:
        print(f"rendo: {warning.text(_translate)}", file=sys.stderr)
    source = plan.source
    if not args.dry_run:
        _print_format(source)
    if args.verbose and not args.dry_run:
        _print_changes(plan)
    read = source.table.encoding or source.table.sheet or ""
    summary = tr("{file} ({read}): {rows}, {changed} changed, {created}").format(
        file=source.name, read=read, rows=tr("%n rows", None, plan.rows),
        changed=plan.changed, created=tr("%n new items", None, len(plan.created)))
    print(summary)
    if args.dry_run:
        print(tr("dry run: nothing was written"))
        return EXIT_OK
    batch = getattr(plan, "batch", None)
    if batch:
        print(tr("batch {batch}: undo with rendo import-undo {batch}").format(batch=batch))
    return EXIT_OK


def _print_format(source: Any) -> None:
    """The channel file's format, its choices and the rows it skipped (see app.files.formats)."""
    if source.formatted is not None:
        for note in source.formatted.summary():
            print(note.text(_translate))


def _print_changes(plan: Any) -> None:
    for change in plan.changes:
        mark = "" if change.changes else "\t" + tr("(unchanged)")
        what = f"{change.what} {change.detail}" if change.detail else change.what
        print(f"{tr('row')} {change.row}\t{change.code}\t{what}\t"
              f"{_shown(change.before)} → {_shown(change.after)}{mark}")


def cmd_import_undo(shop: Any, args: argparse.Namespace) -> int:
    from app.services.importing import ImportRefused, undo_import

    try:
        result = undo_import(shop, args.batch)
    except ImportRefused as error:
        return refusal(error)
    print(tr("%n movements reversed (batch {batch})", None, result.movements).format(
        batch=result.undo_batch))
    return EXIT_OK


def cmd_export(shop: Any, args: argparse.Namespace) -> int:
    from app.services.exporting import export

    if (args.date_from or args.date_to) and args.kind != "history":
        raise BadInput(QT_TRANSLATE_NOOP("Errors", "--from and --to are for the history "
                                         "export only."))
    try:
        result = export(shop, args.kind, args.file, args.encoding, args.date_from,
                        args.date_to, args.language)
    except FileRefused as error:
        return refusal(error)
    shown = f"{result.format}, {result.encoding}" if result.encoding else result.format
    print(tr("{file}: %n rows ({format})", None, result.rows).format(file=result.path,
                                                                     format=shown))
    return EXIT_OK


def cmd_template(args: argparse.Namespace) -> int:
    from app.files.csv_io import system_is_japanese
    from app.files.templates import write_template

    language = args.language or ("ja" if system_is_japanese() else "en")
    try:
        path = write_template(args.kind, args.file, language, args.encoding)
    except FileRefused as error:
        return refusal(error)
    print(path)
    return EXIT_OK


def _command(sub: Any, name: str, helptext: str, **kwargs: Any) -> Any:
    return sub.add_parser(name, help=helptext, description=helptext, **kwargs)


def add_parsers(sub: Any) -> None:
    """The ``import``, ``import-undo``, ``export`` and ``template`` subcommands."""
    from app.files.formats import AUTO, NAMES
    from app.files.headers import KINDS

    kinds = tuple(KINDS)
    imp = _command(sub, "import", tr("import stock counts or master data (.csv, .xlsx)"))
    imp.add_argument("file", help=tr(".csv, .tsv, .txt or .xlsx file"))
    imp.add_argument("--kind", default="stock", choices=kinds,
                     help=tr("what the file holds (default stock)"))
    imp.add_argument("--mode", default="overwrite", choices=("overwrite", "add", "subtract"),
                     help=tr("stock: overwrite (stocktake), add or subtract (default "
                             "overwrite)"))
    imp.add_argument("--encoding", help=tr("CSV encoding (default: detected): utf-8, cp932…"))
    imp.add_argument("--delimiter",
                     help=tr("CSV delimiter (default: detected): comma, tab, ;"))
    imp.add_argument("--sheet", help=tr(".xlsx sheet (default: the first)"))
    imp.add_argument("--column", action="append", type=column_choice, metavar="FIELD=COLUMN",
                     help=tr("which column holds a field: header text, letter or number"))
    imp.add_argument("--header-row", type=int, default=None,
                     help=tr("row number of the header row (0: none; default: found)"))
    imp.add_argument("--format", default=AUTO, choices=NAMES,
                     help=tr("stock: the channel's file format (default: recognised from the "
                             "header; rendo: Rendo's own columns)"))
    imp.add_argument("--location",
                     help=tr("Shopify: the location to read, or all for their sum"))
    imp.add_argument("--create-unknown", action="store_true",
                     help=tr("create items for unknown codes instead of refusing them"))
    imp.add_argument("--dry-run", action="store_true",
                     help=tr("show every row's change and every problem; write nothing"))
    imp.add_argument("--verbose", action="store_true", help=tr("list every row's change"))
    undo = _command(sub, "import-undo", tr("reverse every movement of one import"),
                    aliases=["undo-import"])
    undo.add_argument("batch", help=tr("the batch an import printed"))
    exp = _command(sub, "export", tr("export a list (.csv, .tsv, .xlsx)"))
    exp.add_argument("kind", choices=("stock", "reorder", "history", "unmatched", "items"),
                     help=tr("which list"))
    exp.add_argument("file", help=tr("the file to write (.csv, .tsv or .xlsx)"))
    exp.add_argument("--encoding", choices=("utf-8-sig", "cp932", "utf-8"),
                     help=tr("CSV encoding (default: cp932 on a Japanese system, else "
                             "utf-8-sig)"))
    exp.add_argument("--from", dest="date_from", type=day, help=tr("history: first day"))
    exp.add_argument("--to", dest="date_to", type=day, help=tr("history: last day"))
    exp.add_argument("--language", choices=("ja", "en"), help=tr("header language"))
    template = _command(sub, "template", tr("an empty file to fill in for an import"))
    template.add_argument("kind", choices=kinds, help=tr("which import"))
    template.add_argument("file", help=tr("the file to write (.csv or .xlsx)"))
    template.add_argument("--encoding", choices=("utf-8-sig", "cp932", "utf-8"),
                          help=tr("CSV encoding"))
    template.add_argument("--language", choices=("ja", "en"), help=tr("header language"))
