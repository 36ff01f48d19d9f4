"""Rendo's stock arithmetic: pure Python, no Qt, no database, no HTTP (DESIGN.md)."""
