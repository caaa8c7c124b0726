from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from . import views

handler500 = views.server_error

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("api/v1/exports/", include("agreements.exports.urls")),
    path("api/v1/", include("agreements.api.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("", include("agreements.urls")),
]
