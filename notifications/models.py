"""Notifications app: data and invariants."""
