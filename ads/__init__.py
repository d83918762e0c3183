"""Advertisers, campaigns, creatives, serving, tracking and reports."""
