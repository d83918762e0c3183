"""Ads app: thin API views: permissions, a selector or a service, serialization."""
