"""Ads app: Django admin registrations."""
