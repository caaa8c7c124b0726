"""An address never dies: a renamed record's old address answers 301 to its new one."""

from django.db.models import Exists, OuterRef
from django.http import HttpResponsePermanentRedirect
from django.urls import NoReverseMatch, reverse

from .models import Agreement, Event, FormerSlug, Organization, Party, PublicationState, Sector, SluggedKind

PUBLISHED = PublicationState.PUBLISHED.value


def public_records(kind):
    """The records of `kind` that have a public address: a renamed draft's new slug must never be told."""
    if kind == SluggedKind.AGREEMENT:
        return Agreement.objects.public()
    if kind == SluggedKind.ORGANIZATION:
        public_party = Party.objects.filter(organization=OuterRef("pk"), agreement__publication_state=PUBLISHED)
        return Organization.objects.filter(Exists(public_party))
    if kind == SluggedKind.EVENT:
        return Event.objects.filter(Exists(Agreement.objects.filter(event=OuterRef("pk"), publication_state=PUBLISHED)))
    return Sector.objects.all()


def current_slug(kind, slug):
    """The public record's slug today if `slug` is a former slug of it, else None (one query)."""
    record_id = FormerSlug.objects.filter(kind=kind, slug=slug).values("record_id")[:1]
    return public_records(kind).filter(pk__in=record_id).values_list("slug", flat=True).first()


class FormerAddressMiddleware:
    """Turns a 404 at an address of a record's page, feed or API detail (a URL named `<kind>-...` with a `slug`)
    into a 301 to the same address under the record's current slug, the query string kept, when the slug is a
    former one of a public record. Costs a query on such a 404 only."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        match = getattr(request, "resolver_match", None)
        if match is None or "slug" not in match.kwargs or not match.url_name or "\x00" in match.kwargs["slug"]:
            return response
        kind = match.url_name.split("-")[0]
        if kind not in SluggedKind.values:
            return response
        slug = current_slug(kind, match.kwargs["slug"])
        if slug is None or slug == match.kwargs["slug"]:
            return response
        try:
            location = reverse(match.view_name, args=match.args, kwargs={**match.kwargs, "slug": slug})
        except NoReverseMatch:
            return response
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(f"{location}?{query}" if query else location)
