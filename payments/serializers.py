"""Payments app: input and output shapes."""
