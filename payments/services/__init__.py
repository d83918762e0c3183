"""Payments app: writes: keyword-only, typed, atomic functions named <entity>_<action>.

Every movement of coins goes through `ledger.ledger_post`; other apps move coins through
the services here, never by touching ledger rows.
"""
