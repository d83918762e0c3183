"""Social app: writes, one module per concern; see each module."""
