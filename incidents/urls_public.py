from django.urls import path

from incidents import views

app_name = "incidents_public"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("page/<int:page>/", views.incident_list, name="list_page"),
    path("<uuid:public_id>/", views.incident_public, name="incident"),
]
