"""Follows, blocks, likes, comments, bookmarks, shares and reports."""
