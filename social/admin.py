"""Social app: Django admin registrations."""
