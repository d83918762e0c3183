"""How the accounts app appears in the OpenAPI schema, where the defaults fall short."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.plumbing import force_instance

from accounts.serializers.users import PrivateFieldMixin


class SessionJWTScheme(SimpleJWTScheme):
    """Our bearer authentication: HTTP bearer with JWTs."""

    target_class = "accounts.authentication.SessionJWTAuthentication"


class UserSerializerExtension(OpenApiSerializerExtension):
    """The private fields of a user appear only to the user and staff: not required."""

    target_class = "accounts.serializers.users.UserSerializer"

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        private = {
            name
            for name, field in force_instance(self.target).fields.items()
            if isinstance(field, PrivateFieldMixin)
        }
        schema["required"] = [name for name in schema.get("required", []) if name not in private]
        return schema
