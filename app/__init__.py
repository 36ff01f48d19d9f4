"""Rendo (連動): one stock ledger for every channel a small shop sells on."""

__version__ = "0.1.0"
