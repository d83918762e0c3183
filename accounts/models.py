"""Accounts app: data and invariants."""
