"""Ads app: writes: keyword-only, typed, atomic functions named <entity>_<action>."""
