"""Accounts app: input and output shapes."""
