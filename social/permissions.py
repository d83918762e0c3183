"""Social app: DRF permission classes."""
