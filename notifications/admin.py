"""Notifications app: Django admin registrations."""
