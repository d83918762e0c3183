"""Tests of the ads app."""
