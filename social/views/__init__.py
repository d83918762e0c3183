"""Social app: thin API views, one module per part of the app."""
