"""Media files with PyAV (FFmpeg's libraries), one module a concern: `probe` (checking
uploads), `thumbnails`, `hls` (H.264/AAC renditions in HLS) and `playlists` (reading HLS
playlists); `base` holds what they share.

Pure functions on local paths: no models, no storage. Anything wrong with the *input*
raises `InvalidMedia` (or `MediaTooLong`) with a sentence a person can read; anything
else that escapes is a bug or an environment problem (disk full, ...).
"""
