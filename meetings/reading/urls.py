from django.urls import path

from meetings.reading import views

app_name = "reading"

urlpatterns = [
    path("", views.kana, name="kana_root"),
    path("<path:rest>", views.kana, name="kana"),
]
