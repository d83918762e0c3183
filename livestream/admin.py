"""Live streaming app: Django admin registrations."""
