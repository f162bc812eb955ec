from django.urls import path

from vinculo.ops import views

app_name = "ops"
urlpatterns = [path("tasks/", views.task_list, name="tasks")]
