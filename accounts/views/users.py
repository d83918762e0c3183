"""The current user (profile, avatar, account deletion), public profiles and search.

Every endpoint needs a signed-in caller (the default `IsAuthenticated`): profiles
and search are for members, which keeps anonymous scrapers from enumerating
accounts and lets the per-account throttle bound what one account can read.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, UnsupportedMediaType
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.exceptions import (
    AVATAR_NOT_AN_IMAGE,
    AVATAR_TOO_LARGE,
    AVATAR_TOO_MANY_PIXELS,
    BIRTH_DATE_IN_FUTURE,
    INVALID_COUNTRY,
    INVALID_LANGUAGE,
    INVALID_PASSWORD,
    TOO_YOUNG,
    USERNAME_TAKEN,
    TooManySignInAttempts,
)
from accounts.models import User
from accounts.selectors import user_list_search, user_profile_get
from accounts.serializers.profiles import (
    AccountDeleteSerializer,
    AvatarUploadSerializer,
    ProfileUpdateSerializer,
    UserSearchQuerySerializer,
)
from accounts.serializers.users import CurrentUserSerializer, UserSerializer
from accounts.services.profiles import (
    user_avatar_remove,
    user_avatar_set,
    user_delete,
    user_profile_update,
)
from accounts.views.auth import client_info
from core.openapi import because, raises


def user_response(request: Request, user: User) -> Response:
    return Response(UserSerializer(user, context={"request": request}).data)


def current_user_response(request: Request, user: User) -> Response:
    """The caller themself, with the targeting profile only `users/me/` shows."""
    return Response(CurrentUserSerializer(user, context={"request": request}).data)


class CurrentUserView(APIView):
    delete_has_body = True  # the password confirms a deletion (core.openapi)

    @extend_schema(
        operation_id="users_me_retrieve",
        tags=["users"],
        responses={200: CurrentUserSerializer},
        summary="The current user, private fields included",
        description="With the targeting profile (`country`, `language`, `birth_date`, "
        "`interests`) that ads read: shown here only, never to anyone else.",
    )
    def get(self, request: Request) -> Response:
        return current_user_response(request, request.user)

    @extend_schema(
        operation_id="users_me_update",
        tags=["users"],
        request=ProfileUpdateSerializer,
        responses={200: CurrentUserSerializer},
        summary="Change the current user's profile",
        description="Only `username`, `display_name`, `bio`, `phone_number`, "
        "`is_private` and the targeting profile (`country`, `language`, `birth_date`, "
        "`interests`, which ads read and nobody else sees) can change; any other field "
        "sent is ignored. Making the account public (`is_private` false) accepts every "
        "pending follow request.",
    )
    @raises(
        because(USERNAME_TAKEN, "another account holds it, whatever the case"),
        INVALID_COUNTRY,
        INVALID_LANGUAGE,
        BIRTH_DATE_IN_FUTURE,
        because(TOO_YOUNG, "the birth date is less than 13 years ago"),
    )
    def patch(self, request: Request) -> Response:
        serializer = ProfileUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_profile_update(user=request.user, **serializer.validated_data)
        return current_user_response(request, user)

    @extend_schema(
        operation_id="users_me_delete",
        tags=["users"],
        request=AccountDeleteSerializer,
        responses={204: None},
        summary="Delete the current user's account",
        description='Send the JSON body `{"password": "..."}`. The account is '
        "anonymised and its status becomes `deleted`; every session ends at once and "
        "two-factor devices are removed. The username stays reserved.",
    )
    @raises(
        because(INVALID_PASSWORD, "counts against the account's sign-in failure limit"),
        TooManySignInAttempts,
    )
    def delete(self, request: Request) -> Response:
        serializer = AccountDeleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user_delete(
            user=request.user,
            password=serializer.validated_data["password"],
            client=client_info(request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class CurrentUserAvatarView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="users_me_avatar_set",
        tags=["users"],
        request=AvatarUploadSerializer,
        responses={200: UserSerializer},
        summary="Upload the current user's avatar",
        description="A multipart form with an `avatar` file: a JPEG, PNG, WebP or GIF "
        "(first frame). It is stored as a JPEG that fits in 512x512 pixels, upright and "
        "without metadata; the previous avatar is deleted.",
    )
    @raises(
        AVATAR_TOO_LARGE,
        AVATAR_TOO_MANY_PIXELS,
        AVATAR_NOT_AN_IMAGE,
        because(UnsupportedMediaType, "not multipart"),
    )
    def put(self, request: Request) -> Response:
        serializer = AvatarUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_avatar_set(user=request.user, upload=serializer.validated_data["avatar"])
        return user_response(request, user)

    @extend_schema(
        operation_id="users_me_avatar_remove",
        tags=["users"],
        request=None,
        responses={204: None},
        summary="Remove the current user's avatar",
        description="Answers 204 also when there was none.",
    )
    def delete(self, request: Request) -> Response:
        user_avatar_remove(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserDetailView(APIView):
    @extend_schema(
        operation_id="users_retrieve",
        tags=["users"],
        parameters=[
            OpenApiParameter(
                "username", str, OpenApiParameter.PATH, description="Whatever its case."
            )
        ],
        responses={200: UserSerializer},
        summary="A user's public profile",
        description="Private fields (`email`, `phone_number`, `last_login`, "
        "`two_factor_enabled`) appear only for the user themself and staff; "
        "`follow_status` and `is_following` give the caller's follow of the user.",
    )
    @raises(
        because(
            NotFound,
            "no such user; or, unless the caller is staff, one who may not act (suspended, "
            "banned, deactivated, deleted; pending when email verification is required), or "
            "either of the two blocked the other",
        )
    )
    def get(self, request: Request, username: str) -> Response:
        return user_response(request, user_profile_get(username=username, viewer=request.user))


@extend_schema_view(
    get=[
        extend_schema(
            operation_id="users_list",
            tags=["users"],
            parameters=[UserSearchQuerySerializer],
            summary="Search users by the start of their username or display name",
            description="Lists the users who may act: `active` ones, and `pending` ones "
            "(email not verified yet) unless email verification is required. "
            "Ordered by username; users on either side of a block with the "
            "caller are left out (except for staff), and `follow_status` gives the caller's "
            "follow of each.",
        ),
        raises(UserSearchQuerySerializer),
    ]
)
class UserListView(generics.ListAPIView):
    serializer_class = UserSerializer
    ordering = ("username",)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return User.objects.none()
        query = UserSearchQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return user_list_search(
            search=query.validated_data.get("search", ""), viewer=self.request.user
        )
