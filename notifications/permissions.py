"""Notifications app: DRF permission classes."""
