"""Ads app: input and output shapes."""
