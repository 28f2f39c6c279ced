from django.urls import path

from meetings.views import importer

app_name = "importer"

urlpatterns = [
    path("", importer.import_text, name="paste"),
]
