"""Videos app: writes, one module per concern."""
