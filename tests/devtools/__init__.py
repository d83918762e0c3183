"""Tests of the developer tools (demo data)."""
