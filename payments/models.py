"""Payments app: data and invariants."""
