from django.urls import path

from incidents import views_staff as views

app_name = "incidents_staff"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("new/", views.incident_create, name="create"),
    path("<int:pk>/", views.incident_detail, name="detail"),
    path("<int:pk>/edit/", views.incident_edit, name="edit"),
    path("<int:pk>/link-meeting/", views.incident_link_meeting, name="link_meeting"),
    path("<int:pk>/timeline.csv", views.incident_timeline_csv, name="timeline_csv"),
    path("<int:pk>/timeline.pdf", views.incident_timeline_pdf, name="timeline_pdf"),
    path("<int:pk>/alerts/new/", views.alert_change_create, name="alert_create"),
    path("alerts/<int:pk>/delete/", views.alert_change_delete, name="alert_delete"),
    path(
        "meetings/<int:meeting_pk>/",
        views.meeting_incidents,
        name="meeting_incidents",
    ),
    path(
        "meetings/<int:meeting_pk>/unlink/<int:incident_pk>/",
        views.meeting_incident_unlink,
        name="meeting_unlink",
    ),
    path(
        "meetings/<int:meeting_pk>/directives/",
        views.meeting_directives,
        name="meeting_directives",
    ),
    path("directives/", views.directive_dashboard, name="directives"),
    path("directives/<int:pk>/", views.directive_detail, name="directive"),
    path("directives/<int:pk>/edit/", views.directive_edit, name="directive_edit"),
    path(
        "directives/<int:pk>/follow-ups/",
        views.directive_follow_up_add,
        name="follow_up_add",
    ),
    path(
        "follow-ups/<int:pk>/delete/",
        views.directive_follow_up_remove,
        name="follow_up_remove",
    ),
]
