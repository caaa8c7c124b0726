"""The read-only API under `/api/v1/`: public agreements, the reference data around them, and the public
change log.

Agreements come only from `Agreement.objects.public()`, filtered by `AgreementFilterSet` (the
parameters of the `/agreements/` page) and added up by `totals()`; counts on organisations,
events and sectors count public agreements only; changes come only from
`PublishedVersion.objects.changes()` (changes between published states of records public now).
"""

from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import mixins, views, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from agreements import content_language, links
from agreements.filters import MAX_AMOUNT, AgreementFilterSet, ChangeFilterSet
from agreements.models import (
    Agreement,
    Event,
    InlineText,
    Organization,
    PublicationState,
    PublishedVersion,
    Relation,
    Sector,
)

from . import downloads, listing, serializers
from .conditional import ConditionalGetMixin
from .errors import InvalidQuery, null_character_errors
from .pagination import AgreementPagination, Pagination
from .renderers import JSONOnlyNegotiation, ORJSONRenderer

NOT_FOUND = OpenApiResponse(serializers.ErrorSerializer, description="No public record with this slug.")
PAGE_NOT_FOUND = OpenApiResponse(serializers.ErrorSerializer, description="No such page of results.")
INVALID_QUERY = OpenApiResponse(
    serializers.InvalidQuerySerializer,
    description="A bad query parameter: `errors` names each one with its reasons.",
)
THROTTLED = OpenApiResponse(serializers.ErrorSerializer, description="Too many requests; see Retry-After.")


SLUG = r"^[-a-zA-Z0-9_]+$"


def slug_parameter(name, what):
    return OpenApiParameter(
        name,
        OpenApiTypes.STR,
        pattern=SLUG,
        description=f"The slug of {what}; an unknown slug is a 400.",
    )


# The filter's own bound (agreements/filters.py), which a double carries exactly.
SCHEMA_MAX_AMOUNT = int(MAX_AMOUNT)


def amount_parameter(name, description):
    return OpenApiParameter(
        name,
        {"type": "number", "minimum": 0, "maximum": SCHEMA_MAX_AMOUNT},
        description=f"{description}: the agreement's own value, or its group's. Not negative.",
    )


# What AgreementFilterSet accepts, stated in the schema so that clients (and fuzzers) know the limits.
AGREEMENT_PARAMETERS = [
    OpenApiParameter(
        "q",
        # A NUL byte is refused (PostgreSQL cannot compare it): the schema says so.
        {"type": "string", "maxLength": 200, "pattern": r"^[^\x00]*$"},
        description="Words in the title, summary or a party's name.",
    ),
    slug_parameter("sector", "a sector"),
    slug_parameter("party", "an organisation that is a party to a public agreement"),
    slug_parameter("event", "an event"),
    OpenApiParameter(
        "country",
        {"type": "string", "pattern": "^[A-Za-z]{2}$"},
        description="A party's country, ISO 3166 alpha-2 (KZ, US).",
    ),
    amount_parameter("value_min", "Value at least"),
    amount_parameter("value_max", "Value at most"),
]


DETAIL_OWN = (
    "id",
    *content_language.every_column("summary"),
    *content_language.every_column("places"),
    "entry_into_force_on",
    "expires_on",
    "updated_at",
)


def iso_date(value):
    return None if value is None else value.isoformat()


def relations(this_end, other_end, pk):
    """An agreement's links whose other end is public; the other end's state is tested on the join, not with
    `IN (every public id)`, which SQLite built in full for each request. Only its slug and title are read."""
    published = InlineText(PublicationState.PUBLISHED.value)
    return (
        Relation.objects.filter(**{f"{this_end}_id": pk, f"{other_end}__publication_state": published})
        .select_related(other_end)
        .only(
            "kind",
            this_end,
            f"{other_end}__slug",
            *(f"{other_end}__{name}" for name in content_language.every_column("title")),
        )
    )


def public_agreement_count(lookup):
    """How many public agreements point at the outer row: one correlated subquery, no GROUP BY outside."""
    counted = (
        Agreement.objects.public()
        .filter(**{lookup: OuterRef("pk")})
        .order_by()
        .values(lookup)
        .annotate(count=Count("pk", distinct=True))
        .values("count")
    )
    return Coalesce(Subquery(counted[:1]), 0)


class QueryFilterBackend(DjangoFilterBackend):
    """The view's FilterSet (AgreementFilterSet limits `party` to organisations the public sees), its errors
    in the 400 shape."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        errors = null_character_errors(request.query_params, filterset.filters)
        if errors:
            raise InvalidQuery(errors)
        if not filterset.is_valid():
            raise InvalidQuery(
                {
                    name: list(dict.fromkeys(error["message"] for error in items))
                    for name, items in filterset.errors.get_json_data().items()
                }
            )
        view.filterset = filterset  # the agreements' list asks it for the totals
        return filterset.qs


class PublicViewMixin(ConditionalGetMixin):
    """Anonymous, read-only, JSON through orjson, paginated, conditional GET (the rate limit is
    api/throttling.py's middleware)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    renderer_classes = [ORJSONRenderer]
    content_negotiation_class = JSONOnlyNegotiation
    pagination_class = Pagination
    filter_backends = []


class PublicListViewSet(PublicViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """A public list without a detail."""


class PublicReadOnlyViewSet(PublicViewMixin, viewsets.ReadOnlyModelViewSet):
    """A public list and its records, looked up by slug."""

    lookup_field = "slug"
    # Any segment reaches the view, so an odd slug (with a dot, say) gets the API's JSON 404 too.
    lookup_value_regex = "[^/]+"
    detail_serializer_class = None

    def lookup_value(self):
        """The slug asked for. PostgreSQL refuses a NUL byte in any text comparison (a 500); no slug holds one."""
        value = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, "")
        if "\x00" in value:
            raise Http404
        return value

    def get_object(self):
        self.lookup_value()
        return super().get_object()

    def get_serializer_class(self):
        if self.action == "retrieve" and self.detail_serializer_class is not None:
            return self.detail_serializer_class
        return self.serializer_class


@extend_schema_view(
    list=extend_schema(
        summary="Public agreements, filtered, ordered and paged, with the totals of the whole selection",
        parameters=AGREEMENT_PARAMETERS,
        responses={
            200: serializers.AgreementSerializer(many=True),
            400: INVALID_QUERY,
            404: PAGE_NOT_FOUND,
            429: THROTTLED,
        },
    ),
    retrieve=extend_schema(
        summary="One public agreement",
        responses={200: serializers.AgreementDetailSerializer, 404: NOT_FOUND, 429: THROTTLED},
    ),
)
class AgreementViewSet(PublicReadOnlyViewSet):
    """Public agreements: the parameters of the `/agreements/` page, and the same totals."""

    serializer_class = serializers.AgreementSerializer
    detail_serializer_class = serializers.AgreementDetailSerializer
    dated_by_register = False  # dated by what the answer shows (conditional.py)
    pagination_class = AgreementPagination
    filter_backends = [QueryFilterBackend]
    filterset_class = AgreementFilterSet

    def get_queryset(self):
        """A fixed number of queries for any number of rows: the list pages the ids, then reads the page and
        its children in one statement (listing); the detail reads the same row, its own fields and its
        relations to other public agreements (retrieve)."""
        return Agreement.objects.public()

    def retrieve(self, request, *args, **kwargs):
        """The list's row of this agreement (the same statement, children included), with the detail's own
        fields and its links: four queries, no model instance but the links'. The same JSON as
        AgreementDetailSerializer (tests/api/test_listing.py). The query parameters of the list never hide a
        record asked for by slug."""
        own = get_object_or_404(Agreement.objects.public().values(*DETAIL_OWN), slug=self.lookup_value())
        rows = listing.page_rows([own["id"]])
        if not rows:
            raise Http404  # unpublished between the two statements
        self.last_modified = own["updated_at"]
        links = [
            {"kind": link.kind, "direction": "outgoing", "agreement": link.to_agreement}
            for link in relations("from_agreement", "to_agreement", own["id"])
        ] + [
            {"kind": link.kind, "direction": "incoming", "agreement": link.from_agreement}
            for link in relations("to_agreement", "from_agreement", own["id"])
        ]
        return Response(
            {
                **rows[0],
                "summary": content_language.pick(own, "summary"),
                "places": Agreement(places=content_language.pick(own, "places")).place_list,
                "entry_into_force_on": iso_date(own["entry_into_force_on"]),
                "expires_on": iso_date(own["expires_on"]),
                "relations": serializers.RelationSerializer(links, many=True, context={"request": request}).data,
            }
        )

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        totals = self.filterset.totals()
        self.last_modified = totals.last_modified
        self.paginator.known_count = totals.count
        ids = self.paginate_queryset(listing.page_ids(queryset))
        data = listing.page_rows(ids, using=queryset.db)
        return self.paginator.get_paginated_response(data, totals=totals.as_dict())


def reference_schema(name, serializer, detail_serializer):
    return extend_schema_view(
        list=extend_schema(
            summary=f"All {name}s, with how many public agreements each has",
            responses={200: serializer(many=True), 400: INVALID_QUERY, 404: PAGE_NOT_FOUND, 429: THROTTLED},
        ),
        retrieve=extend_schema(
            summary=f"One {name}, with the totals of its public agreements",
            responses={200: detail_serializer, 404: NOT_FOUND, 429: THROTTLED},
        ),
    )


@reference_schema("organisation", serializers.OrganizationSerializer, serializers.OrganizationDetailSerializer)
class OrganizationViewSet(PublicReadOnlyViewSet):
    """Organisations that are party to a public agreement, as on the pages: a name known only from a draft
    stays unpublished. Counts and totals cover public agreements only."""

    queryset = Organization.objects.annotate(agreement_count=public_agreement_count("parties__organization")).filter(
        Exists(Agreement.objects.public().filter(parties__organization=OuterRef("pk")))
    )
    serializer_class = serializers.OrganizationSerializer
    detail_serializer_class = serializers.OrganizationDetailSerializer


@reference_schema("event", serializers.EventSerializer, serializers.EventDetailSerializer)
class EventViewSet(PublicReadOnlyViewSet):
    """Events with at least one public agreement (one being prepared stays unpublished); counts and totals
    cover public agreements only."""

    queryset = (
        Event.objects.select_related("announced_source")
        .annotate(agreement_count=public_agreement_count("event"))
        .filter(Exists(Agreement.objects.public().filter(event=OuterRef("pk"))))
        .order_by("-starts_on", "name")
    )
    serializer_class = serializers.EventSerializer
    detail_serializer_class = serializers.EventDetailSerializer


@reference_schema("sector", serializers.SectorSerializer, serializers.SectorDetailSerializer)
class SectorViewSet(PublicReadOnlyViewSet):
    """Sectors that a public agreement is in (one an editor just created shows once a published record uses
    it): counts and totals cover public agreements only."""

    queryset = Sector.objects.annotate(agreement_count=public_agreement_count("sector")).filter(
        Exists(Agreement.objects.public().filter(sector=OuterRef("pk")))
    )
    serializer_class = serializers.SectorSerializer
    detail_serializer_class = serializers.SectorDetailSerializer


@extend_schema_view(
    list=extend_schema(
        summary="Published changes to public agreements, newest first, field by field",
        description="Every change a reader could see between two published states of a record that is public "
        "now: what each field was before and after, and when it was published. What was written while a record "
        "was a draft or in review shows only as the difference at its publication; no editor is ever named.",
        parameters=[
            OpenApiParameter(
                "since",
                OpenApiTypes.DATETIME,
                description="Only changes published after this moment: an ISO 8601 date-time, in UTC unless it "
                "gives its offset (a date alone means its midnight, UTC). A malformed value is a 400.",
            ),
            slug_parameter("agreement", "a public agreement: only its changes"),
        ],
        responses={
            200: serializers.ChangeSerializer(many=True),
            400: INVALID_QUERY,
            404: PAGE_NOT_FOUND,
            429: THROTTLED,
        },
    ),
)
class ChangeViewSet(PublicListViewSet):
    """The public change log: a fixed number of queries for any page (its count, its rows with their agreement)."""

    queryset = (
        PublishedVersion.objects.changes()
        .select_related("agreement")
        .only(
            "at",
            "changes",
            "agreement__slug",
            *(f"agreement__{name}" for name in content_language.every_column("title")),
        )
    )
    serializer_class = serializers.ChangeSerializer
    filter_backends = [QueryFilterBackend]
    filterset_class = ChangeFilterSet


RESOURCES = [
    ("agreements", "api:agreement-list", "/api/v1/agreements/{slug}/", "Public agreements, filtered and paged."),
    ("organizations", "api:organization-list", "/api/v1/organizations/{slug}/", "Parties to public agreements."),
    ("events", "api:event-list", "/api/v1/events/{slug}/", "Events at which public agreements were signed."),
    ("sectors", "api:sector-list", "/api/v1/sectors/{slug}/", "Sectors, with their public agreements' totals."),
    ("changes", "api:change-list", None, "Published changes to public agreements, newest first."),
]

LINK = {"type": "string", "format": "uri"}
INDEX_SCHEMA = {
    "type": "object",
    "required": ["resources", "downloads", "schema", "docs"],
    "properties": {
        "resources": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "url", "detail", "description"],
                "properties": {
                    "name": {"type": "string"},
                    "url": LINK,
                    "detail": {"type": "string", "nullable": True, "description": "A record's address template."},
                    "description": {"type": "string"},
                },
            },
        },
        "downloads": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "url", "media_type", "description"],
                "properties": {
                    "name": {"type": "string"},
                    "url": LINK,
                    "media_type": {"type": "string"},
                    "description": {"type": "string"},
                },
            },
        },
        "schema": LINK,
        "docs": LINK,
    },
}


@extend_schema(
    summary="What the API offers: its resources and downloads, with their absolute addresses",
    responses={200: OpenApiResponse(INDEX_SCHEMA, description="The index."), 429: THROTTLED},
)
class IndexView(PublicViewMixin, views.APIView):
    """`/api/v1/`: every resource and every download, on SITE_URL (agreements/links.py)."""

    def get(self, request):
        return Response(
            {
                "resources": [
                    {
                        "name": name,
                        "url": links.absolute_url(reverse(url_name)),
                        "detail": links.absolute_url(detail) if detail else None,
                        "description": description,
                    }
                    for name, url_name, detail, description in RESOURCES
                ],
                "downloads": [
                    {
                        "name": filename,
                        "url": links.absolute_url(downloads.export_path(name)),
                        "media_type": media_type,
                        "description": description,
                    }
                    for name, filename, media_type, description, _ in downloads.downloads()
                ],
                "schema": links.absolute_url(reverse("api:schema")),
                "docs": links.absolute_url(reverse("api:docs")),
            }
        )


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI with its start-up script served from this URL (`?script`): nothing inline, for the CSP."""

    url_name = "api:schema"
    template_name = "api/docs.html"
