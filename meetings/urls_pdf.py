app_name = "pdf"

urlpatterns: list = []
