"""Ads app: Celery tasks; each only calls a service."""
