from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from . import views

handler500 = views.server_error

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("api/v1/exports/", include("agreements.exports.urls")),
    path("api/v1/", include("agreements.api.urls")),
    path("healthz", views.healthz, name="healthz"),
    # The public pages and their feeds: English at today's addresses, Russian under /ru/, Kazakh under /kk/.
    *i18n_patterns(path("", include("agreements.urls")), prefix_default_language=False),
]
