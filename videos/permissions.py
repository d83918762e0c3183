"""Videos app: DRF permission classes."""
