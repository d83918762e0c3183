"""Ads app: reads: querysets with their joins, prefetches and annotations."""
