"""Accounts app: Django admin registrations."""
