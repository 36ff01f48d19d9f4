"""Long file work (reading, checking, importing, exporting) in a worker thread.

``Job(work)`` runs ``work(progress, cancelled)`` in its own QThread and reports back on the
UI thread with signals. The database work happens in that thread: peewee keeps one
connection per thread, and the worker's is closed when the work ends. ``cancel()`` only asks:
the work polls ``cancelled()`` and stops by raising ``OperationCancelled`` before its
transaction commits, so the database is left untouched.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.files.common import CancelCheck, OperationCancelled, Progress

Work = Callable[[Progress, CancelCheck], Any]


class _Thread(QThread):
    """Runs the work in ``run`` (no event loop): the thread ends when the work does."""

    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(object)
    stopped = Signal()

    def __init__(self, work: Work, cancel: threading.Event) -> None:
        super().__init__()
        self._work = work
        self._cancel = cancel

    def run(self) -> None:
        from app.services.database import close_thread_connection

        try:
            result = self._work(lambda done, total: self.progressed.emit(done, total),
                                self._cancel.is_set)
        except OperationCancelled:
            self.stopped.emit()
        except Exception as error:  # shown to the user by whoever started the job
            self.failed.emit(error)
        else:
            self.succeeded.emit(result)
        finally:
            close_thread_connection()  # this thread's own connection


class Job(QObject):
    """One piece of work in a worker thread; exactly one of ``succeeded``, ``failed`` or
    ``cancelled`` is emitted (on the UI thread), then ``finished``."""

    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, work: Work, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cancel = threading.Event()
        self._running = False
        self._thread = _Thread(work, self._cancel)
        self._thread.progressed.connect(self.progressed)
        # bound methods of an object of the UI thread: called there (queued)
        self._thread.succeeded.connect(self._on_succeeded)
        self._thread.failed.connect(self._on_failed)
        self._thread.stopped.connect(self._on_stopped)

    @property
    def running(self) -> bool:
        return self._running

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    def start(self) -> Job:
        self._running = True
        self._thread.start()
        return self

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self) -> None:
        """Block until the worker thread has ended (closing a dialog with work under way)."""
        self._thread.wait()

    @Slot(object)
    def _on_succeeded(self, result: object) -> None:
        self._end(self.succeeded, result)

    @Slot(object)
    def _on_failed(self, error: object) -> None:
        self._end(self.failed, error)

    @Slot()
    def _on_stopped(self) -> None:
        self._end(self.cancelled)

    def _end(self, signal: Any, *args: Any) -> None:
        self._thread.wait()
        self._running = False
        signal.emit(*args)
        self.finished.emit()
