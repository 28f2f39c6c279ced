from django.contrib import admin
from django.urls import include, path, reverse_lazy
from django.views.generic import RedirectView

from crisis_meetings.accounts import views as account_views

urlpatterns = [
    path("", include("meetings.urls_public")),
    path("incidents/", include("incidents.urls_public")),
    path("staff/", include("meetings.urls_staff")),
    path("staff/", include("meetings.contributions.urls")),
    path("staff/import/", include("meetings.urls_import")),
    path("staff/pdf/", include("meetings.urls_pdf")),
    path("staff/incidents/", include("incidents.urls_staff")),
    path("staff/notifications/", include("crisis_meetings.notifications.urls_staff")),
    path("mail/", include("crisis_meetings.notifications.urls_public")),
    path("accounts/", include("crisis_meetings.accounts.urls")),
    # The admin has no login or logout of its own: the staff login (with its lockout
    # and 確認コード step) and the logout that clears the browser's copies.
    path(
        "admin/login/",
        RedirectView.as_view(url=reverse_lazy("login"), query_string=True),
    ),
    path("admin/logout/", account_views.LogoutView.as_view()),
    path("admin/", admin.site.urls),
    path("api/v1/", include("crisis_meetings.api_urls")),
    path("data/", include("meetings.api.urls_data")),
]

handler400 = "crisis_meetings.middleware.bad_request"
handler403 = "crisis_meetings.error_views.permission_denied"
handler404 = "crisis_meetings.error_views.page_not_found"
handler500 = "crisis_meetings.error_views.server_error"
