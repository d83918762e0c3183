"""Tests of the livestream app."""
