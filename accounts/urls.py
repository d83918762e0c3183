"""Accounts app: API routes, mounted under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts.views import auth, passwords, sessions, staff, two_factor, users

router = SimpleRouter()
router.register("auth/sessions", sessions.SessionViewSet, basename="auth-session")

urlpatterns = [
    path("auth/register/", auth.RegisterView.as_view(), name="auth-register"),
    path("auth/token/", auth.OAuthTokenView.as_view(), name="auth-token"),
    path("auth/token/refresh/", auth.TokenRefreshView.as_view(), name="auth-token-refresh"),
    path("auth/login/", auth.LoginView.as_view(), name="auth-login"),
    path("auth/2fa/verify/", auth.TwoFactorVerifyView.as_view(), name="auth-2fa-verify"),
    path("auth/logout/", auth.LogoutView.as_view(), name="auth-logout"),
    path("auth/logout-all/", auth.LogoutAllView.as_view(), name="auth-logout-all"),
    # Two-factor setup (views/two_factor.py)
    path("auth/2fa/setup/", two_factor.TwoFactorSetupView.as_view(), name="auth-2fa-setup"),
    path("auth/2fa/confirm/", two_factor.TwoFactorConfirmView.as_view(), name="auth-2fa-confirm"),
    path(
        "auth/2fa/backup-codes/",
        two_factor.BackupCodesRegenerateView.as_view(),
        name="auth-2fa-backup-codes",
    ),
    path("auth/2fa/disable/", two_factor.TwoFactorDisableView.as_view(), name="auth-2fa-disable"),
    # Passwords and email verification (views/passwords.py)
    path(
        "auth/password/change/", passwords.PasswordChangeView.as_view(), name="auth-password-change"
    ),
    path(
        "auth/password/reset/",
        passwords.PasswordResetRequestView.as_view(),
        name="auth-password-reset",
    ),
    path(
        "auth/password/reset/confirm/",
        passwords.PasswordResetConfirmView.as_view(),
        name="auth-password-reset-confirm",
    ),
    path("auth/email/verify/", passwords.EmailVerifyView.as_view(), name="auth-email-verify"),
    path(
        "auth/email/verify/resend/",
        passwords.EmailVerificationResendView.as_view(),
        name="auth-email-verify-resend",
    ),
    # The current user and profiles (views/users.py)
    path("users/", users.UserListView.as_view(), name="user-list"),
    path("users/me/", users.CurrentUserView.as_view(), name="user-me"),
    path("users/me/avatar/", users.CurrentUserAvatarView.as_view(), name="user-me-avatar"),
    path("users/<username:username>/", users.UserDetailView.as_view(), name="user-detail"),
    # Staff actions and the moderation log (views/staff.py)
    path(
        "users/<username:username>/suspend/", staff.UserSuspendView.as_view(), name="user-suspend"
    ),
    path("users/<username:username>/ban/", staff.UserBanView.as_view(), name="user-ban"),
    path(
        "users/<username:username>/reinstate/",
        staff.UserReinstateView.as_view(),
        name="user-reinstate",
    ),
    path("users/<username:username>/role/", staff.UserRoleChangeView.as_view(), name="user-role"),
    path("moderation-log/", staff.ModerationLogView.as_view(), name="moderation-log"),
    *router.urls,
]
