"""Tests of the videos app."""
