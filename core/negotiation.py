"""Content negotiation that answers an unknown `?format=` as what it is, a response
format the API cannot give (406), instead of DRF's 404 for an existing URL."""

from django.http import Http404
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except Http404 as error:
            raise NotAcceptable() from error
