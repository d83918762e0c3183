"""Videos app: Django admin registrations."""
