"""Notifications, preferences and delivery."""
