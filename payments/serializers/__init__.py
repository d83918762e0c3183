"""Payments app: input and output shapes, one module per area."""
