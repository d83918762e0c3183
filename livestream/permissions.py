"""Live streaming app: DRF permission classes."""
