"""Models that exist only for the test suite: they exercise the kernel in `core`."""
