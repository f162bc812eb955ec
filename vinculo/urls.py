from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from vinculo.api import api
from vinculo.ops.views import healthz, ping

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Open to anonymous visitors too, so the login page can switch language.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    # For load balancers and monitors: no sign-in, no data (vinculo.ops.views).
    path("healthz", healthz, name="healthz"),
    path("ping", ping, name="ping"),
    path("", include("vinculo.ops.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("privacy/", include("vinculo.privacy.urls")),
    path("", include("vinculo.web.urls")),
]
