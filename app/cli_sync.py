"""The sync half of the ``rendo`` command line: channels, sync, unmatched lines, sandbox."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING

from app.i18n import error_text, tr
from app.services.shop import Shop

if TYPE_CHECKING:
    from app.sync.engine import CycleReport

EXIT_OK, EXIT_BAD_INPUT, EXIT_ENVIRONMENT = 0, 2, 3
EXIT_INTERRUPTED = 130  # the shells' own code for Ctrl+C
RETRY_AFTER_FAILURE_S = 15  # sync --watch: after the database failed (busy, full disk)


def _when(value: object) -> str:
    return "-" if value is None else f"{value:%Y-%m-%d %H:%M:%S}"


def _state_words() -> dict[str, str]:
    return {"disabled": tr("disabled"), "waiting": tr("waiting for the first-sync choice"),
            "failing": tr("failing"), "ok": tr("ok"), "new": tr("not synced yet"),
            "stopped": tr("stopped: enter new credentials")}


def _first_words() -> dict[str, str]:
    return {"push": tr("push Rendo's numbers"), "pull": tr("take the channel's numbers")}


def _read_credentials(type_: str) -> dict[str, str]:
    """``key=value`` lines from standard input; a single line without ``=`` is the token of
    a type whose one credential is ``token`` (the sandbox, as before credentials had parts)."""
    from app.channels.registry import channel_type
    from app.services.channel_checks import parse_key_values

    lines = sys.stdin.read().splitlines()
    record = channel_type(type_)
    keys = [f.key for f in record.credentials] if record else []
    filled = [line for line in lines if line.strip()]
    if keys == ["token"] and len(filled) == 1 and not filled[0].strip().startswith("token="):
        return {"token": filled[0].strip()}  # a bare token (it may hold "=": base64)
    return parse_key_values(lines, tr("standard input"))


def _settings(args: argparse.Namespace) -> dict[str, object]:
    from app.services.channel_checks import parse_key_values

    settings: dict[str, object] = dict(parse_key_values(args.options, "--set"))
    if args.url:
        settings["url"] = args.url
    return settings


def channel(shop: Shop, args: argparse.Namespace) -> int:
    from app.services.channel_sync import choose_first, set_interval
    from app.services.channel_words import error_words
    from app.sync.state import channel_statuses

    if args.action == "add":
        from app.channels.registry import synced_type_names

        credentials = _read_credentials(args.type) if args.token_stdin else None
        shop.add_channel(args.name, args.type, args.maximum, args.unlimited_qty,
                         _settings(args), credentials=credentials)
        if args.first:
            choose_first(args.name, args.first)
            print(tr("channel {name} added ({type}); first sync: {first}").format(
                name=args.name, type=args.type, first=_first_words()[args.first]))
        elif args.type in synced_type_names():
            print(tr("channel {name} added ({type}); choose its first sync: rendo channel "
                     "first {name} push|pull").format(name=args.name, type=args.type))
        else:
            print(tr("channel {name} added ({type})").format(name=args.name, type=args.type))
        return EXIT_OK
    if args.action == "credentials":
        from app.services.channels import channel_settings

        saved = channel_settings(args.name)
        if saved is None:
            shop.set_credentials(args.name, {})  # refused: names the unknown channel
        else:
            shop.set_credentials(args.name, _read_credentials(saved.type))
        print(tr("credentials of channel {name} replaced").format(name=args.name))
        return EXIT_OK
    if args.action == "remove":
        shop.remove_channel(args.name)
        print(tr("channel {name} removed").format(name=args.name))
        return EXIT_OK
    if args.action == "first":
        choose_first(args.name, args.mode)
        print(tr("{name}: first sync: {first}").format(name=args.name,
                                                        first=_first_words()[args.mode]))
        return EXIT_OK
    if args.action == "interval":
        set_interval(args.name, args.seconds)
        print(tr("{name}: a sync every {seconds} s").format(name=args.name,
                                                            seconds=args.seconds))
        return EXIT_OK
    if args.action == "preview":
        from app.services.channels import adapter_for
        from app.sync.engine import SyncEngine

        rows = SyncEngine(shop, adapter_for).preview_first(args.name)
        print("\t".join((tr("code"), tr("channel item"), tr("channel shows"), tr("Rendo"))))
        for row in rows:
            rendo = "-" if row.rendo_qty is None else str(row.rendo_qty)
            print(f"{row.code or tr('(not in Rendo)')}\t{row.channel_item_id}\t"
                  f"{row.channel_qty}\t{rendo}")
        return EXIT_OK
    from datetime import date

    from app.services.channel_expiry import credential_warnings, warning_words

    ending = {w.channel: warning_words(w) for w in credential_warnings(date.today())}
    for status in channel_statuses():
        print("\t".join((
            status.name, status.type, _state_words()[status.state],
            tr("last {when}").format(when=_when(status.last_sync_at)),
            tr("next {when}").format(when=_when(status.next_sync_at)),
            tr("listings {n}").format(n=status.listings),
            tr("suspended {n}").format(n=status.suspended),
            tr("drift {n}").format(n=status.drift),
            error_words(status.name, status.type, status.error_kind, status.last_error)
            if status.failures else "",
            ending.get(status.name, ""),
        )).rstrip())
    return EXIT_OK


def _print_reports(reports: list) -> bool:  # type: ignore[type-arg]
    ok = True
    for report in reports:
        if report.waiting:
            print(tr("{channel}: waiting for the first sync choice: rendo channel first "
                     "{channel} push|pull").format(channel=report.channel))
            continue
        if report.synced_by:  # another PC's sync leads this channel: nothing done twice
            print(tr("{channel}: synced by {pc}, not by this PC").format(
                channel=report.channel, pc=report.synced_by), flush=True)
            continue
        ok = ok and report.ok
        print(tr("{channel}: orders {orders}, unmatched {unmatched}, uploaded {uploaded}, "
                 "refused {refused}, drift {drift}{error}").format(
            channel=report.channel, orders=report.orders_applied, unmatched=report.unmatched,
            uploaded=report.uploaded, refused=report.refused, drift=len(report.drift),
            error=f", {_report_error(report)}" if report.error else ""), flush=True)
        if report.uploads_left:
            print(tr("{channel}: %n listings wait for the channel's allowance of calls (the "
                     "next in {seconds} s)", None, report.uploads_left).format(
                channel=report.channel, seconds=round(report.uploads_wait_s or 0)), flush=True)
    return ok


def _report_error(report: CycleReport) -> str:
    """A channel's failure worded from its kind, the adapter's detail after it."""
    from app.services.channel_words import saved_channel_error_words

    return saved_channel_error_words(report.channel, report.error_kind, report.error)


def sync(shop: Shop, args: argparse.Namespace) -> int:
    from app.domain.errors import QT_TRANSLATE_NOOP, BadInput
    from app.services.channel_sync import MAX_INTERVAL_S
    from app.services.channels import adapter_for
    from app.sync.channel_runner import ChannelRunner, QueuedEvents

    interval = args.interval
    if interval is not None and not 0 < interval <= MAX_INTERVAL_S:  # also refuses nan, inf
        raise BadInput(QT_TRANSLATE_NOOP("Errors", "--interval must be more than 0 and at most "
                                         "{high} seconds (got {seconds})."),
                       high=MAX_INTERVAL_S, seconds=interval)
    # --interval replaces each channel's poll interval, never its back-off or Retry-After.
    if args.once:  # every channel side by side; done when the last one is
        runner = ChannelRunner(shop, adapter_for, interval_s=interval)
        reports: list[CycleReport] = []
        try:
            runner.run_once(reports)
        except Exception:  # the database failed: what the others did first, then one line
            _print_reports(reports)
            raise
        except KeyboardInterrupt:  # Ctrl+C: every channel was cancelled; what was done
            _print_reports(reports)
            print(tr("rendo: stopped (Ctrl+C); the next sync goes on from where this one "
                     "stopped"), file=sys.stderr)
            return EXIT_INTERRUPTED
        return EXIT_OK if _print_reports(reports) else EXIT_ENVIRONMENT
    # Each channel on its own thread and schedule; this thread starts the threads of
    # channels added meanwhile, reads what other processes changed (the channels then
    # upload it) and prints what the channels report.
    events = QueuedEvents()
    runner = ChannelRunner(shop, adapter_for, events, interval_s=interval,
                           retry_s=RETRY_AFTER_FAILURE_S)
    away = False  # the database failed the last look
    try:
        while True:
            try:
                runner.start()
                shop.catch_up()
            except Exception as error:  # a busy or full database: say so, wait, try again
                away = True
                if not _wait_after_failure(error):
                    return EXIT_ENVIRONMENT
                continue
            if away:  # what other PCs wrote meanwhile came with the catch-up
                away = False
                print(tr("rendo: the database answers again; the sync goes on"),
                      file=sys.stderr, flush=True)
                runner.database_back()
            for event in events.take():
                if isinstance(event, Exception):
                    if not _say_failure(event):
                        return EXIT_ENVIRONMENT
                else:
                    _print_reports([event])
            _wait(min(interval, 1.0) if interval is not None else 1.0)
    except KeyboardInterrupt:
        return EXIT_OK
    finally:
        runner.stop()


def _wait(seconds: float) -> None:
    """The watch loop's pause between looks (a test replaces it)."""
    time.sleep(seconds)


def _say_failure(error: Exception) -> bool:
    """Print what failed on one line (a channel's thread tries again by itself after
    ``RETRY_AFTER_FAILURE_S``); False when it is not worth trying again."""
    import logging

    from app.i18n import error_text
    from app.services.database import EnvironmentFailure, classify, current_location

    found = classify(error, current_location())
    if not isinstance(found, EnvironmentFailure):  # a bug: logged, the channel tries again
        logging.getLogger("rendo.sync").error("sync cycle failed", exc_info=error)
        return True
    again = tr(" (trying again in {seconds} s)").format(seconds=RETRY_AFTER_FAILURE_S)
    print(f"rendo: {error_text(found)}{again if found.transient else ''}", file=sys.stderr,
          flush=True)
    return found.transient


def _wait_after_failure(error: Exception) -> bool:
    """Print what failed on one line; wait before the next try (False: do not try again)."""
    from app.services.database import (
        EnvironmentFailure,
        classify,
        current_location,
        drop_lost_connection,
    )

    if not isinstance(classify(error, current_location()), EnvironmentFailure):
        raise error
    drop_lost_connection()  # a server restarted: the next look connects anew
    if not _say_failure(error):
        return False
    _wait(RETRY_AFTER_FAILURE_S)
    return True


def unmatched(shop: Shop, args: argparse.Namespace) -> int:
    from app.services.orders import line_problem, unmatched_lines

    for row in unmatched_lines():
        state = tr("cancelled") if row.cancelled else ""
        problem = line_problem(row)
        if problem is not None:  # refused for its quantity: the reason instead of a number
            state = tr("refused: {reason}").format(reason=error_text(problem))
        print(f"{row.channel}\t{row.order_id}\t{row.line_id}\t{row.channel_item_id}\t"
              f"{'' if problem is not None else row.quantity}\t{state}".rstrip())
    return EXIT_OK


def map_code(shop: Shop, args: argparse.Namespace) -> int:
    from app.services.orders import map_code as map_item

    outcome = map_item(shop, args.channel, args.channel_item_id, args.code)
    print(tr("{channel}: {item} → {code}; %n waiting order lines applied", None,
             outcome.applied).format(channel=args.channel, item=args.channel_item_id,
                                     code=args.code))
    return EXIT_OK


def sandbox_serve(args: argparse.Namespace) -> int:
    from app.channels.sandbox_server import SandboxServer, SandboxShop, load_catalog_csv

    shop = SandboxShop()
    if args.catalog:
        load_catalog_csv(shop, args.catalog)
    server = SandboxServer(shop, port=args.port)
    server.start()
    print(tr("sandbox shop at {url} (Ctrl+C to stop)").format(url=server.url), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
    return EXIT_OK
