"""The channel form's two ways of talking to the channel before Save.

Test connection (``TestRow``) asks the channel whether it answers with the form as typed.

Connect… (``ConnectBox``), for a channel type authorized in the browser (OAuth: BASE,
Yahoo!): open the channel's authorization page, take the code back (at a loopback redirect on
this PC, or pasted by the user), trade it for the channel's tokens off the window's thread.

The tokens of a saved channel go to its keyring entry at once (and a channel stopped for
refused credentials starts again); those of a channel not saved yet are kept in memory
(``obtained``) and saved with it on Save.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QObject, Qt, QUrl, Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.channels.base import ChannelError, Credentials, MemoryCredentials
from app.channels.channel_type import ChannelType
from app.domain.errors import RendoError
from app.i18n import error_text
from app.services.channel_checks import check_settings
from app.services.channel_editing import form_credentials
from app.services.channel_words import error_words
from app.services.channels import Factory, adapter_as_typed
from app.services.oauth_redirect import (
    LoopbackRedirect,
    code_from_answer,
    loopback_address,
    new_state,
)
from app.services.secrets import KeyringCredentials
from app.services.shop import Shop

from ..background import run_in_background

OK_INK = "#1b5e20"
ERROR_INK = "#b3261e"
WARN_INK = "#8a5300"  # connected, with something to see to


@dataclass(frozen=True)
class TestRequest:
    """The form as typed, for Test connection."""

    name: str
    type: str
    url: str
    options: dict[str, str]
    typed: dict[str, str]  # the credential parts typed (and received by Connect…)
    saved: bool  # the channel is saved: its saved parts fill in what is not typed
    factory: Factory  # the adapter of a channel from its keyring entry


class TestRow(QWidget):
    """Test connection, its busy bar and its answer. The question runs on Qt's thread pool
    (the window keeps responding); a failure is worded by its kind, naming what to check."""

    finished = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.testing = False
        self._asked = ("", "")
        self.button = QPushButton(
            QCoreApplication.translate("ChannelDialog", "Test connection"), self)
        self.button.setObjectName("testConnection")
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setFixedWidth(80)
        self.busy.setMaximumHeight(self.fontMetrics().height())
        self.busy.hide()
        self.result = QLabel(self)
        self.result.setObjectName("testResult")
        self.result.setWordWrap(True)
        self.result.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.button, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.busy, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.result, 1)

    def start(self, request: TestRequest) -> None:
        """Ask the channel whether it answers, with the settings as typed (not saved yet)."""
        if self.testing:
            return

        def work() -> ChannelError | None:
            # Nothing typed: the saved channel's own keyring entry, so that a token the
            # channel renews during the test (a rotated refresh token) is kept.
            credentials = (form_credentials(request.name, request.typed, request.saved)
                           if request.typed else None)
            adapter = adapter_as_typed(request.name, request.type, request.url, credentials,
                                       request.factory, request.options)
            if adapter is None:
                return None
            try:
                return adapter.test_connection()  # None, or a warning to translate
            except ChannelError as error:  # worded by its kind, in the window's thread
                return error
            finally:
                adapter.close()

        self._asked = (request.name, request.type)
        self.testing = True
        self.busy.show()
        self.result.setStyleSheet("")
        self.result.setText(QCoreApplication.translate("ChannelDialog", "Asking the channel…"))
        self.result.setToolTip("")
        self.finished.emit()  # the form disables the button meanwhile
        run_in_background(work, self, self._tested, self._failed)

    def clear(self) -> None:
        self.result.clear()
        self.result.setToolTip("")

    @Slot(object)
    def _tested(self, result: object) -> None:
        if isinstance(result, ChannelError):
            name, type_ = self._asked
            self._failed(error_words(name, type_, result.kind, renew=result.renew), str(result))
            return
        self._done()
        text = QCoreApplication.translate("ChannelDialog", "Connected: the channel answers.")
        if isinstance(result, str) and result:  # it answers, but something needs the owner
            text += " " + QCoreApplication.translate("ChannelTypes", result)
            self.result.setStyleSheet(f"color: {WARN_INK};")
        else:
            self.result.setStyleSheet(f"color: {OK_INK};")
        self.result.setText(text)

    @Slot(str, str)
    def _failed(self, message: str, detail: str) -> None:
        self._done()
        self.result.setStyleSheet(f"color: {ERROR_INK};")
        self.result.setText(QCoreApplication.translate(
            "ChannelDialog", "Not connected: {message}").format(message=message))
        self.result.setToolTip(detail)

    def _done(self) -> None:
        self.testing = False
        self.busy.hide()
        self.finished.emit()


@dataclass(frozen=True)
class ConnectRequest:
    """What Connect… reads from the form when it is clicked."""

    name: str  # the channel's name, saved or typed
    saved: bool
    settings: dict[str, object]  # the settings as typed, the address included
    typed: dict[str, str]  # the credential parts typed
    open_browser: Callable[[QUrl], object]
    timeout_s: float  # how long the loopback listener waits for the browser


@dataclass
class _Authorization:
    """One Connect… in progress: where the tokens go and the state the answer must carry."""

    settings: dict[str, object]
    store: Credentials
    state: str


class _RedirectBridge(QObject):
    """Carries the loopback listener's answer (its own thread) to the window's thread."""

    answered = Signal(str, object)

    def deliver(self, code: str, refusal: RendoError | None) -> None:
        # RuntimeError: the form is gone, nobody waits for the code any more
        with contextlib.suppress(RuntimeError):
            self.answered.emit(code, refusal)


class ConnectBox(QWidget):
    """Connect…, what happened, and where to paste the code when the channel cannot send it
    back to this PC. *request* returns None when the form shows a problem to fix first."""

    connected = Signal()  # the tokens came (saved channel: in the keyring, channel restarted)

    def __init__(self, record: ChannelType, shop: Shop,
                 request: Callable[[], ConnectRequest | None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        assert record.oauth is not None
        self.record, self.shop, self._request = record, shop, request
        self.obtained: MemoryCredentials | None = None  # tokens of a channel not saved yet
        self.connecting = False
        self.listener: LoopbackRedirect | None = None
        self._authorization: _Authorization | None = None
        self._name = ""
        self._saved = False
        self._bridge = _RedirectBridge(self)
        self._bridge.answered.connect(self._redirected)

        self.connect_button = QPushButton(self.tr("Connect…"), self)
        self.connect_button.setObjectName("oauthConnect")
        self.connect_button.setToolTip(self.tr(
            "Opens the channel's page in your browser where you allow Rendo to manage your "
            "stock; the channel then gives Rendo its keys."))
        self.connect_button.clicked.connect(self.connect_channel)
        self.status = QLabel(self)
        self.status.setObjectName("oauthStatus")
        self.status.setWordWrap(True)
        self.status.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.code = QLineEdit(self)
        self.code.setObjectName("oauthCode")
        self.code.setPlaceholderText(self.tr("The code, or the whole address"))
        self.code.returnPressed.connect(self.use_pasted_code)
        self.use = QPushButton(self.tr("Use code"), self)
        self.use.setObjectName("oauthUseCode")
        self.use.clicked.connect(self.use_pasted_code)
        top = QHBoxLayout()
        top.addWidget(self.connect_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.status, 1)
        self.paste = QWidget(self)
        paste_row = QHBoxLayout(self.paste)
        paste_row.setContentsMargins(0, 0, 0, 0)
        paste_row.addWidget(self.code, 1)
        paste_row.addWidget(self.use)
        self.paste.hide()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(top)
        column.addWidget(self.paste)

    def connect_channel(self) -> None:
        """Open the channel's authorization page; the code comes back to this PC (a loopback
        redirect address) or is pasted by the user."""
        if self.connecting:
            return
        request = self._request()
        if request is None:
            return
        self.stop()
        flow = self.record.oauth
        assert flow is not None
        self._name, self._saved = request.name, request.saved
        try:
            settings = check_settings(self.record, request.name, request.settings)
            store = self._store(request)
            state = new_state()
            address = flow.authorization_url(settings, store, state)
            redirect = str(settings.get("redirect_uri") or "")
            if loopback_address(redirect) is not None:
                self.listener = LoopbackRedirect(redirect, state, self._bridge.deliver,
                                                 request.timeout_s)
        except RendoError as error:
            self._say(error_text(error), error=True)
            return
        except ChannelError as error:
            self._say(self._words(error), error=True)
            return
        self._authorization = _Authorization(settings, store, state)
        if self.listener is not None:
            self.listener.start()
            self._say(self.tr("Allow Rendo on the channel's page in your browser; Rendo waits "
                              "for the answer here."))
        else:
            self.code.clear()
            self.paste.show()
            self._say(self.tr("Allow Rendo on the channel's page in your browser, then paste "
                              "the code it shows (or the whole address) here."))
        request.open_browser(QUrl(address))

    def _store(self, request: ConnectRequest) -> Credentials:
        """The keyring for a saved channel (written at once; the parts typed are used too),
        memory for a new one (saved with the channel on Save)."""
        if request.saved:
            return KeyringCredentials(request.name,
                                      form_credentials(request.name, request.typed, True))
        kept = self.obtained.parts if self.obtained is not None else {}
        self.obtained = MemoryCredentials({**kept, **request.typed})
        return self.obtained

    def use_pasted_code(self) -> None:
        if self._authorization is None or self.connecting:
            return
        try:
            code = code_from_answer(self.code.text(), self._authorization.state)
        except RendoError as error:
            self._say(error_text(error), error=True)
            return
        self._exchange(code)

    @Slot(str, object)
    def _redirected(self, code: str, refusal: object) -> None:
        """The loopback listener's answer: the code, or why none came."""
        self.listener = None
        if isinstance(refusal, RendoError):
            self._say(error_text(refusal), error=True)
        elif self._authorization is not None and code:
            self._exchange(code)

    def _exchange(self, code: str) -> None:
        """Trade the code for the channel's tokens (an HTTP call: off the window's thread)."""
        authorization, flow = self._authorization, self.record.oauth
        if authorization is None or flow is None:
            return

        def work() -> ChannelError | None:
            try:
                flow.exchange_code(authorization.settings, authorization.store, code)
            except ChannelError as error:  # worded by its kind, in the window's thread
                return error
            return None

        self._busy(True)
        self._say(self.tr("Asking the channel for its keys…"))
        run_in_background(work, self, self._exchanged, self._exchange_failed)

    @Slot(object)
    def _exchanged(self, result: object) -> None:
        self._busy(False)
        authorization, self._authorization = self._authorization, None
        if authorization is None:  # stopped meanwhile
            return
        self.paste.hide()
        if isinstance(result, ChannelError):
            self._say(self._words(result), error=True)
            self.status.setToolTip(str(result))
            return
        if self._saved:
            # The tokens are in the keyring already; through the service a channel stopped
            # for refused credentials starts again.
            store = authorization.store
            parts = {f.key: store.get(f.key) or "" for f in self.record.credentials}
            try:
                self.shop.update_channel(self._name,
                                         credentials={k: v for k, v in parts.items() if v})
            except RendoError as error:
                self._say(error_text(error), error=True)
                return
            self._say(self.tr("Connected: the channel's keys are saved."), ok=True)
        else:
            self._say(self.tr("Connected: the channel's keys are kept with the channel when "
                              "you save it."), ok=True)
        self.connected.emit()

    @Slot(str, str)
    def _exchange_failed(self, message: str, detail: str) -> None:
        self._busy(False)
        if self._authorization is not None:
            self._say(message, error=True)
            self.status.setToolTip(detail)

    def _words(self, error: ChannelError) -> str:
        return error_words(self._name, self.record.name, error.kind, renew=error.renew)

    def _busy(self, busy: bool) -> None:
        self.connecting = busy
        self.connect_button.setEnabled(not busy)
        self.use.setEnabled(not busy)

    def _say(self, text: str, error: bool = False, ok: bool = False) -> None:
        ink = ERROR_INK if error else OK_INK if ok else ""
        self.status.setStyleSheet(f"color: {ink};" if ink else "")
        self.status.setText(text)
        self.status.setToolTip("")

    def stop(self) -> None:
        """Forget a Connect… in progress; a listener on this PC stops at once."""
        self._authorization = None
        listener, self.listener = self.listener, None
        if listener is not None:
            listener.cancel()
