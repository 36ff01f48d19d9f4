"""The authorization code coming back from the browser: a real one-shot listener on this PC
(requests over loopback HTTP), or a code the user pasted."""

from __future__ import annotations

import itertools
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from app.domain.errors import BadInput, RendoError
from app.services.oauth_redirect import (
    LoopbackRedirect,
    code_from_answer,
    loopback_address,
    new_state,
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class Answers:
    """What the listener reported, and when (a thread event, not a sleep)."""

    def __init__(self) -> None:
        self.got: list[tuple[str, RendoError | None]] = []
        self.event = threading.Event()

    def __call__(self, code: str, refusal: RendoError | None) -> None:
        self.got.append((code, refusal))
        self.event.set()


@pytest.fixture
def listeners() -> Iterator[list[LoopbackRedirect]]:
    started: list[LoopbackRedirect] = []
    yield started
    for listener in started:
        listener.cancel()


def test_the_listener_takes_the_code_of_its_own_state_only(
    listeners: list[LoopbackRedirect],
) -> None:
    port, state, answers = free_port(), new_state(), Answers()
    listener = LoopbackRedirect(f"http://127.0.0.1:{port}/callback", state, answers)
    listeners.append(listener)
    listener.start()

    # Another request's answer (or a page trying its luck) is refused and changes nothing.
    status, page = get(f"http://127.0.0.1:{port}/callback?code=evil&state=not-{state}")
    assert status == 400 and "does not belong" in page
    assert get(f"http://127.0.0.1:{port}/elsewhere?code=c&state={state}")[0] == 404
    assert answers.got == [] and listener.listening

    status, page = get(f"http://127.0.0.1:{port}/callback?code=the-code&state={state}")
    assert status == 200
    assert "Rendo is connected" in page and 'charset="utf-8"' in page
    assert answers.event.wait(5)
    assert answers.got == [("the-code", None)]
    listener.cancel()
    assert not listener.listening
    with pytest.raises(OSError):  # one shot: nothing listens any more
        get(f"http://127.0.0.1:{port}/callback?code=again&state={state}")
    assert len(answers.got) == 1


def test_localhost_is_this_pc_and_a_denial_is_reported(
    listeners: list[LoopbackRedirect],
) -> None:
    port, state, answers = free_port(), new_state(), Answers()
    listener = LoopbackRedirect(f"http://localhost:{port}/", state, answers)
    listeners.append(listener)
    listener.start()

    status, page = get(f"http://127.0.0.1:{port}/?error=access_denied&state={state}")
    assert status == 200 and "not authorized" in page
    assert answers.event.wait(5)
    code, refusal = answers.got[0]
    assert code == "" and isinstance(refusal, BadInput)
    assert "did not authorize" in str(refusal) and "access_denied" in str(refusal)


def test_the_listener_gives_up_after_its_time(listeners: list[LoopbackRedirect]) -> None:
    ticks = itertools.count(0, 200)  # a clock that moves 200 s each time it is read
    answers = Answers()
    listener = LoopbackRedirect(f"http://127.0.0.1:{free_port()}/cb", new_state(), answers,
                                timeout_s=300, clock=lambda: float(next(ticks)))
    listeners.append(listener)
    listener.start()
    assert answers.event.wait(5)
    code, refusal = answers.got[0]
    assert code == "" and refusal is not None and "within 5 minutes" in str(refusal)


def test_a_port_in_use_is_said_plainly() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(BadInput, match=f"127.0.0.1:{port}"):
            LoopbackRedirect(f"http://127.0.0.1:{port}/cb", new_state(), Answers())


@pytest.mark.parametrize(("uri", "expected"), [
    ("http://127.0.0.1:8765/callback", ("127.0.0.1", 8765, "/callback")),
    ("http://localhost:9000", ("127.0.0.1", 9000, "/")),
    ("http://[::1]:9000/cb", ("::1", 9000, "/cb")),
    ("https://127.0.0.1:8765/callback", None),  # the browser would not talk TLS to us
    ("https://rendo.example/oauth", None),
    ("urn:ietf:wg:oauth:2.0:oob", None),
    ("http://127.0.0.1:notaport/cb", None),
])
def test_which_redirect_addresses_come_back_to_this_pc(
    uri: str, expected: tuple[str, int, str] | None,
) -> None:
    assert loopback_address(uri) == expected


def test_a_pasted_code_or_address_is_read_and_its_state_checked() -> None:
    state = new_state()
    assert code_from_answer("  abc123  ", state) == "abc123"
    assert code_from_answer(f"https://rendo.example/cb?code=xyz&state={state}", state) == "xyz"
    assert code_from_answer(f"code=xyz&state={state}", state) == "xyz"
    with pytest.raises(BadInput, match="does not belong"):
        code_from_answer("https://rendo.example/cb?code=xyz&state=other", state)
    with pytest.raises(BadInput, match="does not belong"):
        code_from_answer("https://rendo.example/cb?code=xyz", state)  # no state at all
    with pytest.raises(BadInput, match="no authorization code"):
        code_from_answer(f"https://rendo.example/cb?state={state}", state)
    with pytest.raises(BadInput, match="Paste the code"):
        code_from_answer("   ", state)
    with pytest.raises(BadInput, match="does not look like"):
        code_from_answer("two words", state)
