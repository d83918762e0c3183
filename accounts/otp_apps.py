"""django-otp's device apps under names staff can read in the admin (its own configs
label them "Otp_Totp" and "Otp_Static"). Labels, tables and migrations stay django-otp's."""

from django_otp.plugins.otp_static.apps import DefaultConfig as StaticDefaultConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPDefaultConfig


class TOTPConfig(TOTPDefaultConfig):
    verbose_name = "Two-factor: authenticator apps"


class StaticConfig(StaticDefaultConfig):
    verbose_name = "Two-factor: backup codes"
