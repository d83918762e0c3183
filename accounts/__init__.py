"""Users, authentication (JWT sessions, two-factor), profiles and staff actions."""
