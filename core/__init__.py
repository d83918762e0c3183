"""The shared kernel: portable fields, base models, pagination, permissions, API errors."""
