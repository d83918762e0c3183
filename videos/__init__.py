"""Videos, categories, media processing, views and feeds."""
