"""The sitemap: the overview, the lists, the change log, and every public agreement, organisation, event and sector."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, OuterRef, Value
from django.urls import reverse

from . import links
from .models import Agreement, Event, Organization, Party, PublicationState, Sector

PUBLISHED = Value(PublicationState.PUBLISHED)


class SiteSitemap(Sitemap):
    """Locations on SITE_URL: Django's view hands every section the request's scheme and Host.

    Each page once per language, each with its alternates in the others and `x-default` (English)."""

    i18n = True
    alternates = True
    x_default = True

    def get_protocol(self, protocol=None):
        return links.site_scheme_and_host()[0]

    def get_domain(self, site=None):
        return links.site_scheme_and_host()[1]


class StaticSitemap(SiteSitemap):
    changefreq = "daily"

    def items(self):
        return ["agreements:home", "agreements:agreement-list", "agreements:organization-list", "agreements:changes"]

    def location(self, item):
        return reverse(item)


class AgreementSitemap(SiteSitemap):
    changefreq = "weekly"

    def items(self):
        return Agreement.objects.public().order_by("slug").only("slug", "updated_at")

    def lastmod(self, item):
        return item.updated_at


def _with_public(model, link):
    return model.objects.filter(Exists(Agreement.objects.public().filter(**{link: OuterRef("pk")}))).order_by("slug")


class OrganizationSitemap(SiteSitemap):
    changefreq = "weekly"

    def items(self):
        return Organization.objects.filter(
            Exists(Party.objects.filter(organization=OuterRef("pk"), agreement__publication_state=PUBLISHED))
        ).order_by("slug")


class EventSitemap(SiteSitemap):
    changefreq = "weekly"

    def items(self):
        return _with_public(Event, "event")


class SectorSitemap(SiteSitemap):
    changefreq = "weekly"

    def items(self):
        return _with_public(Sector, "sector")


SITEMAPS = {
    "pages": StaticSitemap,
    "agreements": AgreementSitemap,
    "organizations": OrganizationSitemap,
    "events": EventSitemap,
    "sectors": SectorSitemap,
}
