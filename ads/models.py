"""Ads app: data and invariants."""
