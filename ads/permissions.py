"""Ads app: DRF permission classes."""
