"""Accounts app: DRF permission classes."""
