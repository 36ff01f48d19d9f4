"""``rendo db init URL`` and ``rendo db copy --from sqlite:PATH --to URL``: a shop's
PostgreSQL database, shared by several PCs.

Neither opens the ``--db`` database: each names the databases it works on. Exit 2 for what
was typed wrong (nothing written), 3 when a database or the disk failed (one line).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.i18n import error_text, tr

EXIT_OK, EXIT_BAD_INPUT, EXIT_ENVIRONMENT = 0, 2, 3


def _command(sub: Any, name: str, helptext: str) -> Any:
    return sub.add_parser(name, help=helptext, description=helptext)


def add_parsers(sub: Any) -> None:
    """``db init`` and ``db copy``."""
    helptext = tr("a shop's PostgreSQL database, shared by several PCs")
    parser = _command(sub, "db", helptext)
    # the actions' parsers are of the same kind as the command line's (exit 2 on a refusal)
    group = parser.add_subparsers(dest="action", required=True, parser_class=type(parser),
                                  metavar="ACTION")
    init = _command(group, "init", tr("prepare an empty PostgreSQL database for the shop"))
    init.add_argument("url", help=tr("postgresql://USER:PASSWORD@HOST:5432/DATABASE"))
    copy = _command(group, "copy", tr("copy the shop in a SQLite file into an empty "
                                      "PostgreSQL database"))
    copy.add_argument("--from", dest="source", required=True,
                      help=tr("the shop's file: sqlite:PATH"))
    copy.add_argument("--to", dest="url", required=True,
                      help=tr("postgresql://USER:PASSWORD@HOST:5432/DATABASE"))


def run(args: argparse.Namespace) -> int:
    from app.cli_output import output_closed
    from app.logsetup import configure_logging
    from app.services.database import EnvironmentFailure, classify

    configure_logging()
    try:
        return cmd_init(args) if args.action == "init" else cmd_copy(args)
    except Exception as error:  # the database's and the system's failures: one line
        if output_closed(error):  # stdout's reader has gone: cli.main() ends quietly
            raise
        found = classify(error, args.url)
        if found is None:
            raise
        print(f"rendo: {error_text(found)}", file=sys.stderr)
        return EXIT_ENVIRONMENT if isinstance(found, EnvironmentFailure) else EXIT_BAD_INPUT


def cmd_init(args: argparse.Namespace) -> int:
    from app.services.database import shown_location
    from app.services.moving import prepare_database

    before, after = prepare_database(args.url)
    where = shown_location(args.url)
    if before == after:
        print(tr("{location} already holds the shop's tables (schema {version}); nothing "
                 "to do.").format(location=where, version=after))
    else:
        print(tr("{location} is ready for the shop (schema {version}). Start Rendo on each "
                 "PC with --db and this address, or set RENDO_DB to it.").format(
                     location=where, version=after))
    return EXIT_OK


def cmd_copy(args: argparse.Namespace) -> int:
    from app.services.database import shown_location
    from app.services.moving import move_shop

    moved = move_shop(args.source, args.url)
    where = shown_location(args.url)
    rows = moved.rows
    print(tr("Copied the shop to {location}: {items}, {movements}, {channels}, "
             "{listings}.").format(
                 location=where, items=tr("%n items", None, rows.get("item", 0)),
                 movements=tr("%n movements", None, rows.get("movement", 0)),
                 channels=tr("%n channels", None, rows.get("channel", 0)),
                 listings=tr("%n listings", None, rows.get("listing", 0))))
    if moved.needs_credentials:
        print(tr("Credentials stay in each PC's keyring and were not copied. On every other "
                 "PC that syncs, enter them for: {channels} (rendo channel credentials NAME, "
                 "or the channel's settings in the window).").format(
                     channels=", ".join(moved.needs_credentials)))
    print(tr("The file {file} was not changed. Start Rendo on each PC with --db and the new "
             "address, or set RENDO_DB to it.").format(file=args.source))
    return EXIT_OK
