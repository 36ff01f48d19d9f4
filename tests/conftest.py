"""Shared test set-up."""

import os

# ---- Qt: no display needed. Must run before anything imports Qt. -------------------------------
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# ---- Database fixtures ------------------------------------------------------------------------
