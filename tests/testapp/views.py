"""Test-only API views exercising the kernel's pagination, errors and throttling."""

from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from tests.testapp.models import Entry


class EntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Entry
        fields = ["id", "title", "rank", "created_at"]


class EntryListView(ListAPIView):
    """Newest first: the pagination class's default ordering."""

    permission_classes = [AllowAny]
    serializer_class = EntrySerializer
    queryset = Entry.objects.all()


class EntryByRankView(EntryListView):
    """Highest rank first; many entries share a rank, so the primary key breaks ties."""

    ordering = ("-rank",)


class PrivateView(APIView):
    """Needs a signed-in user (the project's default permission)."""

    def get(self, request):
        return Response({"ok": True})


class ExplodingView(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("boom")


class TwoPerMinuteThrottle(AnonRateThrottle):
    rate = "2/min"


class ThrottledView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [TwoPerMinuteThrottle]

    def get(self, request):
        return Response({"ok": True})


class EchoView(APIView):
    """Answers with the parsed request body."""

    permission_classes = [AllowAny]

    def post(self, request):
        return Response(request.data)
