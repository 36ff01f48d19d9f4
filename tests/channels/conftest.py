"""Fixtures the channel adapters' tests share."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest

from tests.doubles.serving import ServedDouble

Served = TypeVar("Served", bound=ServedDouble)


@pytest.fixture
def serve() -> Iterator[Callable[[Served], Served]]:
    """``serve(make_double())``: the double started on loopback, stopped after the test."""
    started: list[ServedDouble] = []

    def start(double: Served) -> Served:
        double.start()
        started.append(double)
        return double

    yield start
    for double in reversed(started):
        double.stop()
