app_name = "incidents_staff"

urlpatterns: list = []
