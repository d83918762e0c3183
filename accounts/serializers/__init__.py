"""Accounts app: input and output shapes, one module per concern."""
