"""Social app: data and invariants."""
