from django.urls import path

from vinculo.privacy import views

app_name = "privacy"
urlpatterns = [
    path("people/<int:person_id>/", views.person_export, name="person_export"),
    path("people/<int:person_id>/export.json", views.person_export_json, name="person_export_json"),
    path("people/<int:person_id>/erase/", views.person_erase_view, name="person_erase"),
]
