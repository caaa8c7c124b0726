from django.contrib.sitemaps.views import sitemap
from django.urls import path

from . import feeds, views
from .languages import one_address
from .sitemaps import SITEMAPS

app_name = "agreements"

urlpatterns = [
    path("", views.home, name="home"),
    path("agreements/", views.agreement_list, name="agreement-list"),
    path("agreements/<slug:slug>/", views.AgreementDetailView.as_view(), name="agreement-detail"),
    path("agreements/<slug:slug>/feed/", feeds.AgreementChangesFeed(), name="agreement-feed"),
    path("organizations/", views.OrganizationListView.as_view(), name="organization-list"),
    path("organizations/<slug:slug>/", views.organization_detail, name="organization-detail"),
    path("organizations/<slug:slug>/feed/", feeds.OrganizationFeed(), name="organization-feed"),
    path("events/<slug:slug>/", views.event_detail, name="event-detail"),
    path("sectors/<slug:slug>/", views.sector_detail, name="sector-detail"),
    path("sectors/<slug:slug>/feed/", feeds.SectorFeed(), name="sector-feed"),
    path("feeds/agreements/", feeds.LatestAgreementsFeed(), name="feed"),
    path("changes/", views.changes, name="changes"),
    path("feeds/changes/", feeds.ChangesFeed(), name="changes-feed"),
    # One address in every language: the sitemap lists each page in each language.
    path("sitemap.xml", one_address(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", one_address(views.robots_txt), name="robots"),
]
