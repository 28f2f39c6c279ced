from django.urls import path

from meetings.contributions import views

app_name = "contributions"

urlpatterns = [
    path("contributions/", views.mine, name="mine"),
    path("contributions/<int:pk>/", views.write, name="write"),
    path("contributions/<int:pk>/accept/", views.accept, name="accept"),
    path("contributions/<int:pk>/return/", views.send_back, name="return"),
    path("meetings/<int:pk>/contributions/", views.overview, name="overview"),
]
