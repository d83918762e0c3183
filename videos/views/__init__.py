"""Videos app: thin API views, one module per concern."""
