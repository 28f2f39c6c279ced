from django.urls import path

from meetings.views import staff

app_name = "staff"

urlpatterns = [
    path("", staff.dashboard, name="dashboard"),
]
