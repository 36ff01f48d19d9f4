"""Background work: run a slow call (a channel's answer) on Qt's thread pool and report back
to an object of the window's thread."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QThreadPool, QTimer, Signal

from .sync_words import channel_error_text

log = logging.getLogger(__name__)


class _JobSignals(QObject):
    done = Signal(object)
    failed = Signal(str, str)  # plain words, technical detail


_running_jobs: set[_JobSignals] = set()


def run_in_background(work: Callable[[], object], receiver: QObject,
                      on_done: Callable[[object], None],
                      on_failed: Callable[[str, str], None],
                      channel: tuple[str, str] | None = None) -> None:
    """Run *work* on Qt's thread pool; *on_done* / *on_failed* run in the window's thread.

    A channel's failure is worded from its kind, naming *channel* (name, type) when given.

    The callbacks must be methods of *receiver* (a QObject of the window's thread): if the
    receiver is gone when the work ends, nothing is called. The pool thread's database
    connection is closed afterwards.
    """
    signals = _JobSignals()
    signals.done.connect(on_done)
    signals.failed.connect(on_failed)
    _running_jobs.add(signals)

    def run() -> None:
        from app.channels.base import ChannelError
        from app.domain.errors import RendoError
        from app.i18n import error_text
        from app.services.database import close_thread_connection

        try:
            result = work()
        except ChannelError as error:
            name, type_ = channel or (QCoreApplication.translate("SyncWords", "The channel"),
                                      "")
            signals.failed.emit(channel_error_text(name, type_, error.kind.value, str(error)),
                                str(error))
        except RendoError as error:
            signals.failed.emit(error_text(error), str(error))
        except Exception as error:  # a bug: the user still sees that it failed
            log.exception("background job failed")
            signals.failed.emit(f"{type(error).__name__}: {error}", repr(error))
        else:
            signals.done.emit(result)
        finally:
            close_thread_connection()  # this pool thread's own connection
            QTimer.singleShot(0, QCoreApplication.instance(),
                              lambda: _running_jobs.discard(signals))

    QThreadPool.globalInstance().start(run)
