"""Small helpers the channel adapters' tests share (fixtures are in conftest.py)."""

from __future__ import annotations

from typing import Any


class Clock:
    """Epoch seconds that a test moves on (``clock.now += 600``)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def settings(double: Any, **more: object) -> dict[str, object]:
    """A channel's settings for *double*: its own, on its loopback address."""
    return {"url": double.url, **double.settings, **more}
