from django.urls import path

from vinculo.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("people/<int:person_id>/", views.person_detail, name="person"),
    path("accounts/", views.account_list, name="accounts"),
    path("accounts/<int:account_id>/", views.account_detail, name="account"),
    path("interactions/new/", views.interaction_new, name="interaction_new"),
    path("interactions/people-options/", views.people_options, name="people_options"),
]
