"""Live streams, stream keys, ingest hooks, viewers, chat and gifts."""
