from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("login/verify/", views.TotpVerifyView.as_view(), name="totp_verify"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("totp/", views.TotpEnrolView.as_view(), name="totp_enrol"),
    # system administrator
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/new/", views.UserCreateView.as_view(), name="user_create"),
    path("users/<int:pk>/", views.UserDetailView.as_view(), name="user_detail"),
    path("users/<int:pk>/active/", views.UserActiveView.as_view(), name="user_active"),
    path("users/<int:pk>/password/", views.UserPasswordResetView.as_view(), name="user_password_reset"),
    path("users/<int:pk>/posts/", views.UserPostAssignView.as_view(), name="user_post_assign"),
    path("users/<int:pk>/posts/<int:post_pk>/revoke/", views.UserPostRevokeView.as_view(), name="user_post_revoke"),
    # security administrator
    path("security/", views.SecurityView.as_view(), name="security"),
    path("security/locks/<int:pk>/release/", views.LockReleaseView.as_view(), name="lock_release"),
    path("security/totp-reset/", views.TotpResetView.as_view(), name="totp_reset"),
    path("security/admin-posts/", views.AdminPostAssignView.as_view(), name="admin_post_assign"),
    path("security/admin-posts/<int:pk>/revoke/", views.AdminPostRevokeView.as_view(), name="admin_post_revoke"),
]
