from django.urls import path

from crisis_meetings.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:pk>/open/", views.notification_open, name="open"),
    path("read/", views.notification_mark_read, name="mark_read"),
    path("settings/", views.mail_settings, name="settings"),
]
