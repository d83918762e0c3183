"""Videos app: data and invariants."""
