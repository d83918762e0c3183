"""Payments app: DRF permission classes."""
