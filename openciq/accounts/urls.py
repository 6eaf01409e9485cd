from django.contrib.auth import views as auth_views
from django.urls import path

from openciq.accounts import views
from openciq.core.views import app_urls

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("me/", views.profile, name="profile"),
    path("me/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    *app_urls("accounts"),
]
