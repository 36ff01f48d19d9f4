"""Every channel double in this package, found by module (the contract suite and
bench/channels.py run over all of them): a module other than ``protocol`` that defines
``make_double``."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path

from .protocol import ChannelDouble

PACKAGE = __name__.rpartition(".")[0]
NOT_DOUBLES = {"protocol", "discovery", "serving"}


def double_makers() -> dict[str, Callable[[], ChannelDouble]]:
    """``make_double`` of every double module, by module name, in name order."""
    found: dict[str, Callable[[], ChannelDouble]] = {}
    for module in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]),
                         key=lambda m: m.name):
        if module.name in NOT_DOUBLES or module.name.startswith("_"):
            continue
        loaded = importlib.import_module(f"{PACKAGE}.{module.name}")
        make = getattr(loaded, "make_double", None)
        if callable(make):
            found[module.name] = make
    return found
