"""Live streaming app: data and invariants."""
