from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("", include("meetings.urls_public")),
    path("incidents/", include("incidents.urls_public")),
    path("staff/", include("meetings.urls_staff")),
    path("staff/import/", include("meetings.urls_import")),
    path("staff/pdf/", include("meetings.urls_pdf")),
    path("staff/incidents/", include("incidents.urls_staff")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("crisis_meetings.api_urls")),
    path("data/", include("meetings.api.urls_data")),
]

handler400 = "crisis_meetings.middleware.bad_request"
