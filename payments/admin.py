"""Payments app: Django admin registrations."""
