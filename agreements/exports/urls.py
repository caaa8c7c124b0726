from django.urls import path

from . import views

app_name = "exports"

urlpatterns = [
    path("agreements.csv", views.agreements_csv, name="agreements-csv"),
    path("agreements.xlsx", views.agreements_xlsx, name="agreements-xlsx"),
    path("agreements.json", views.agreements_json, name="agreements-json"),
    path("parties.csv", views.parties_csv, name="parties-csv"),
    path("sources.csv", views.sources_csv, name="sources-csv"),
    path("ocds.json", views.ocds_release_package, name="ocds-release-package"),
    path("datapackage.json", views.datapackage_descriptor, name="datapackage"),
]
