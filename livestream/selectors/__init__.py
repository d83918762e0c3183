"""Live streaming app: reads: querysets with their joins and annotations, one module
per area (`streams`: who sees which stream)."""
