"""Notifications app: input and output shapes."""
