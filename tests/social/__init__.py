"""Tests of the social app."""
