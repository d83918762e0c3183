"""Live streaming app: writes: keyword-only, typed, atomic functions named
<entity>_<action>, one module per area (`streams`: streams, keys and the status
machine the media server's hooks drive)."""
