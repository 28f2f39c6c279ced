from django.urls import path

from crisis_meetings.accounts import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("otp/", views.otp_verify, name="otp_verify"),
    path("otp/setup/", views.otp_setup, name="otp_setup"),
    path("otp/setup/qr.svg", views.otp_setup_qr, name="otp_setup_qr"),
    path("security/", views.mfa_settings, name="mfa_settings"),
    path("security/backup-codes/", views.backup_codes_renew, name="backup_codes_renew"),
    path("security/reset/", views.mfa_reset, name="mfa_reset"),
]
