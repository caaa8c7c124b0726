from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/exports/", include("agreements.exports.urls")),
    path("api/v1/", include("agreements.api.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("", include("agreements.urls")),
]
