"""Live streaming app: thin API views: streams (streams.py) and the media server's hooks
(hooks.py)."""
