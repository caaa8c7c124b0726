"""The public JSON of the register (PRODUCT.md, "The public contract").

Publication state is never a field: only public records reach these serializers, and nothing
here says what state they are in.
"""

import operator
from decimal import ROUND_HALF_UP, Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agreements import links
from agreements.models import (
    CENT,
    Agreement,
    AliasKind,
    Basis,
    Citation,
    Commitment,
    CommitmentUpdate,
    Event,
    Kind,
    MilestoneStatus,
    Organization,
    OrganizationAlias,
    OrgType,
    Party,
    RelationKind,
    Role,
    Scorecard,
    Sector,
    Side,
    Source,
    Status,
    StatusEntry,
    Supports,
    agreement_news_since,
    format_partial_date,
    is_overdue,
    is_stale,
    overdue_text,
    scorecards,
)
from agreements.tally import tallied_totals

from .pagination import TOTALS_SCHEMA

AMOUNT = {"max_digits": 18, "decimal_places": 2}


class ValueSerializer(serializers.Serializer):
    amount = serializers.DecimalField(**AMOUNT, help_text='A decimal string, such as "1000000000.00".')
    currency = serializers.CharField(help_text="ISO 4217.")
    approximate = serializers.BooleanField()
    basis = serializers.ChoiceField(choices=Basis.choices)


def decimal_text(amount):
    """A decimal string to the cent, as DecimalField writes it. SQLite hands back a whole number or a float: a
    float is written from its exact value rounded half-even to the cent, as Decimal(amount).quantize(CENT) does,
    without building that Decimal (7 µs an amount, 35 a page of the list)."""
    if amount is None:
        return None
    if type(amount) is int:
        return f"{amount}.00"
    if type(amount) is float:
        return f"{amount:.2f}"
    return str(Decimal(amount).quantize(CENT))


def value(amount, currency, approximate, basis):
    """ValueSerializer's output, built directly: a serializer per row costs more than the row itself."""
    return {"amount": decimal_text(amount), "currency": currency, "approximate": approximate, "basis": basis}


class SectorRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sector
        fields = ["slug", "name"]


class EventRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = ["slug", "name"]


class GroupSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    value = serializers.SerializerMethodField(help_text="The value shared by every agreement of the group.")

    @extend_schema_field(ValueSerializer)
    def get_value(self, group):
        return value(group.amount, group.currency, group.approximate, group.basis)


class OrganizationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["slug", "name", "country"]


class PartySerializer(serializers.ModelSerializer):
    organization = OrganizationRefSerializer()
    side = serializers.ChoiceField(choices=Side.choices)
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = Party
        fields = ["organization", "side", "role", "signed_by", "signer_title"]


class PartialDateField(serializers.Field):
    """A date known to the day, the month or the year, from its two columns: "2025-11-06", "2025-11", "2025".

    agreements/children.py writes it in SQL from the same two names."""

    def __init__(self, date_field, precision_field, **kwargs):
        self.date_field, self.precision_field = date_field, precision_field
        kwargs.setdefault(
            "help_text", "YYYY-MM-DD, or YYYY-MM / YYYY when only the month or the year is known; null when unknown."
        )
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, instance):
        return format_partial_date(getattr(instance, self.date_field), getattr(instance, self.precision_field))


extend_schema_field({"type": "string", "nullable": True, "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"})(PartialDateField)


class SourceRefSerializer(serializers.ModelSerializer):
    """A publication, as `sources` writes one (without what it says of the record)."""

    url = serializers.CharField(help_text="May be empty.")

    class Meta:
        model = Source
        fields = ["publisher", "title", "url", "published_on", "language"]


class StatusEntrySerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=Status.choices)
    date = PartialDateField("date", "date_precision")
    source = SourceRefSerializer(allow_null=True, help_text="The source that says so, or null.")

    class Meta:
        model = StatusEntry
        fields = ["status", "date", "note", "source"]


def plain_reader(serializer_class):
    """A function writing what `serializer_class` shows of an instance as a plain dict of Python values (dates
    as dates), in its fields' order, for the exports, which stream every agreement: the serializer stays the
    one definition of the shape, without DRF's cost per field and row. Fields: model attributes, a
    PartialDateField, and nested serializers (null when the relation is)."""
    steps = []
    for name, field in serializer_class().fields.items():
        if isinstance(field, PartialDateField):
            steps.append((name, field.to_representation))
        elif isinstance(field, serializers.Serializer):
            nested, source = plain_reader(type(field)), field.source

            def read(instance, nested=nested, source=source):
                value = getattr(instance, source)
                return None if value is None else nested(value)

            steps.append((name, read))
        elif isinstance(field, serializers.ListSerializer | serializers.SerializerMethodField):
            raise TypeError(f"{serializer_class.__name__}.{name}: plain_reader reads attributes and objects only")
        else:
            steps.append((name, operator.attrgetter(field.source)))
    return lambda instance: {name: read(instance) for name, read in steps}


class CommitmentUpdateSerializer(serializers.ModelSerializer):
    date = PartialDateField("date", "date_precision")
    status = serializers.ChoiceField(choices=MilestoneStatus.choices)
    progress = serializers.DecimalField(
        **AMOUNT, allow_null=True, help_text="How much of the commitment's quantity is done, where a source says."
    )
    source = SourceRefSerializer(allow_null=True)

    class Meta:
        model = CommitmentUpdate
        fields = ["date", "status", "progress", "note", "source"]


class CommitmentSerializer(serializers.ModelSerializer):
    due_on = PartialDateField("due_on", "due_precision")
    status = serializers.ChoiceField(choices=MilestoneStatus.choices, help_text="Its latest update's.")
    overdue = serializers.SerializerMethodField(
        help_text="Its due date (the whole month or year, for a partial one) has passed and it is not met."
    )
    updates = CommitmentUpdateSerializer(many=True, help_text="What sources said of its progress, oldest first.")

    class Meta:
        model = Commitment
        fields = ["description", "quantity", "unit", "due_on", "status", "overdue", "updates"]
        # Computed when read (they depend on `day`, today): agreements/children.py leaves them to Python.
        read_time = {"overdue": lambda item, day: overdue_text(item["due_on"], item["status"], day=day)}

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_overdue(self, commitment):
        return is_overdue(commitment.due_on, commitment.due_precision, commitment.status)


class SourceSerializer(serializers.ModelSerializer):
    """A citation, flattened: the publication and what it says about this agreement."""

    publisher = serializers.CharField(source="source.publisher")
    title = serializers.CharField(source="source.title")
    url = serializers.CharField(source="source.url", help_text="May be empty.")
    published_on = serializers.DateField(source="source.published_on", allow_null=True)
    language = serializers.CharField(source="source.language")
    supports = serializers.ChoiceField(choices=Supports.choices)

    class Meta:
        model = Citation
        fields = [
            "publisher",
            "title",
            "url",
            "published_on",
            "language",
            "supports",
            "claim",
            "claim_amount",
            "claim_currency",
            "claim_approximate",
            "disputes",
        ]


class AgreementSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    status = serializers.ChoiceField(choices=Status.choices)
    binding = serializers.BooleanField(help_text="False for memoranda, letters of intent, roadmaps and projects.")
    sector = SectorRefSerializer()
    event = EventRefSerializer(allow_null=True)
    signed_on = serializers.CharField(
        source="signed_on_display",
        allow_null=True,
        help_text="YYYY-MM-DD, or YYYY-MM / YYYY when only the month or the year is known.",
    )
    value = serializers.SerializerMethodField(
        help_text="The agreement's own value; null when it has none or belongs to a group (see group.value)."
    )
    group = GroupSerializer(allow_null=True)
    parties = PartySerializer(many=True)
    commitments = CommitmentSerializer(many=True)
    sources = SourceSerializer(source="citations", many=True)
    status_history = StatusEntrySerializer(
        source="status_entries", many=True, help_text="The dated steps of the deal's life, oldest first."
    )
    last_verified_on = serializers.DateField(
        allow_null=True, help_text="The day staff last checked the record against its sources."
    )
    news_since = serializers.SerializerMethodField(
        help_text="The date of the newest dated fact on the record (signature, status entry, commitment update), "
        "to the precision its source gives: no news since then. Null when nothing is dated."
    )
    stale = serializers.SerializerMethodField(
        help_text="Never verified, or last verified more than REGISTER_STALE_AFTER_DAYS (180) days ago."
    )
    url = serializers.SerializerMethodField(help_text="The public page.")

    class Meta:
        model = Agreement
        fields = [
            "slug",
            "title",
            "kind",
            "status",
            "binding",
            "sector",
            "event",
            "signed_on",
            "value",
            "group",
            "parties",
            "commitments",
            "sources",
            "status_history",
            "last_verified_on",
            "news_since",
            "stale",
            "url",
        ]

    @extend_schema_field({"type": "string", "nullable": True, "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"})
    def get_news_since(self, agreement):
        return agreement_news_since(agreement)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_stale(self, agreement):
        return is_stale(agreement.last_verified_on)

    @extend_schema_field(ValueSerializer(allow_null=True))
    def get_value(self, agreement):
        if agreement.group_id is not None or agreement.value_amount is None:
            return None
        return value(
            agreement.value_amount, agreement.value_currency, agreement.value_approximate, agreement.value_basis
        )

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, agreement):
        return links.absolute_url(agreement.get_absolute_url())


class AgreementRefSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Agreement
        fields = ["slug", "title", "url"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, agreement):
        return links.absolute_url(agreement.get_absolute_url())


class RelationSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RelationKind.choices)
    direction = serializers.ChoiceField(
        choices=["outgoing", "incoming"],
        help_text="outgoing: this agreement <kind> the other; incoming: the other <kind> this one.",
    )
    agreement = AgreementRefSerializer()


class AgreementDetailSerializer(AgreementSerializer):
    places = serializers.ListField(child=serializers.CharField(), source="place_list")
    relations = serializers.SerializerMethodField(help_text="Links to other public agreements.")

    class Meta(AgreementSerializer.Meta):
        fields = [
            *AgreementSerializer.Meta.fields,
            "summary",
            "places",
            "entry_into_force_on",
            "expires_on",
            "relations",
        ]

    @extend_schema_field(RelationSerializer(many=True))
    def get_relations(self, agreement):
        # The view prefetches only relations whose other end is public.
        related = [
            {"kind": link.kind, "direction": "outgoing", "agreement": link.to_agreement}
            for link in agreement.relations_out.all()
        ] + [
            {"kind": link.kind, "direction": "incoming", "agreement": link.from_agreement}
            for link in agreement.relations_in.all()
        ]
        return RelationSerializer(related, many=True, context=self.context).data


class PublicCountMixin(serializers.Serializer):
    agreement_count = serializers.IntegerField(read_only=True, help_text="Public agreements only.")
    url = serializers.SerializerMethodField(help_text="The public page.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj):
        return links.absolute_url(obj.get_absolute_url())


class SectorSerializer(PublicCountMixin, serializers.ModelSerializer):
    class Meta:
        model = Sector
        fields = ["slug", "name", "agreement_count", "url"]


class OrganizationSerializer(PublicCountMixin, serializers.ModelSerializer):
    type = serializers.ChoiceField(source="org_type", choices=OrgType.choices, allow_blank=True)

    class Meta:
        model = Organization
        fields = [
            "slug",
            "name",
            "short_name",
            "country",
            "type",
            "website",
            "wikidata_qid",
            "registry_number",
            "agreement_count",
            "url",
        ]


class AnnouncedSourceSerializer(serializers.Serializer):
    publisher = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField(help_text="May be empty.")


class AnnouncedSerializer(serializers.Serializer):
    documents = serializers.IntegerField(allow_null=True)
    amount = serializers.DecimalField(**AMOUNT, allow_null=True)
    currency = serializers.CharField()
    approximate = serializers.BooleanField()
    source = AnnouncedSourceSerializer(allow_null=True, help_text="Where the announced figures come from.")


class EventSerializer(PublicCountMixin, serializers.ModelSerializer):
    announced = serializers.SerializerMethodField(help_text="What was announced at the event, where a source says so.")

    class Meta:
        model = Event
        fields = ["slug", "name", "starts_on", "ends_on", "place", "announced", "agreement_count", "url"]

    @extend_schema_field(AnnouncedSerializer)
    def get_announced(self, event):
        return {
            "documents": event.announced_documents,
            "amount": decimal_text(event.announced_amount),
            "currency": event.announced_currency,
            "approximate": event.announced_approximate,
            "source": announced_source(event.announced_source),
        }


def announced_source(source):
    if source is None:
        return None
    return {"publisher": source.publisher, "title": source.title, "url": source.url}


SHARE = Decimal("0.001")


class GapSerializer(serializers.Serializer):
    documents = serializers.IntegerField(
        allow_null=True, help_text="Announced documents less itemised agreements; null when none were announced."
    )
    amount = serializers.DecimalField(
        **AMOUNT,
        allow_null=True,
        help_text="Announced amount less the itemised total in the announced currency; null when none was announced.",
    )
    currency = serializers.CharField(help_text="The announced currency, ISO 4217.")
    itemised_share = serializers.DecimalField(
        max_digits=21,
        decimal_places=3,
        allow_null=True,
        help_text='Itemised total over announced amount, such as "0.308"; null when no amount was announced.',
    )


class WithTotalsMixin(serializers.Serializer):
    """Adds what the object's public agreements add up to: from the tally for a sector or an event (one
    query of a few rows, at any size), added up from the rows for an organisation."""

    totals = serializers.SerializerMethodField(help_text="Public agreements only; a group's shared value once.")
    totals_lookup = None
    tally_scope = None

    def object_totals(self, obj):
        if self.tally_scope:
            return tallied_totals(self.tally_scope, obj.pk)
        return Agreement.objects.public().filter(**{self.totals_lookup: obj}).totals()

    @extend_schema_field(TOTALS_SCHEMA)
    def get_totals(self, obj):
        return self.object_totals(obj).as_dict()


class SectorDetailSerializer(WithTotalsMixin, SectorSerializer):
    totals_lookup = tally_scope = "sector"

    class Meta(SectorSerializer.Meta):
        fields = [*SectorSerializer.Meta.fields, "totals"]


class AliasSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=AliasKind.choices, allow_blank=True)
    language = serializers.CharField(help_text="BCP 47, such as kk or ru; may be empty.")

    class Meta:
        model = OrganizationAlias
        fields = ["name", "kind", "language"]


class OrganizationDetailSerializer(WithTotalsMixin, OrganizationSerializer):
    totals_lookup = "parties__organization"
    aliases = AliasSerializer(many=True, help_text="Other names, short names and spellings, in any script.")

    class Meta(OrganizationSerializer.Meta):
        fields = [*OrganizationSerializer.Meta.fields, "aliases", "totals"]


def counts_schema(names, description):
    return {
        "type": "object",
        "description": description,
        "properties": {name: {"type": "integer", "minimum": 0} for name in names},
        "required": list(names),
        "additionalProperties": False,
    }


FOLLOW_UP_SCHEMA = {
    "type": "object",
    "description": "What became of the event's public agreements (PRODUCT.md, follow-up scorecard), as of today.",
    "properties": {
        "by_status": counts_schema(Status.values, "Agreements by current status (their timeline's latest entry)."),
        "commitments": counts_schema(
            [*MilestoneStatus.values, "overdue"],
            "Their commitments by milestone status (their latest update's); overdue: due date (the whole month "
            "or year, for a partial one) passed and not met, whatever the status.",
        ),
        "with_news_since_event": {
            "type": "integer",
            "minimum": 0,
            "description": "Agreements with a status entry or commitment update dated after the event ended.",
        },
        "stale": {
            "type": "integer",
            "minimum": 0,
            "description": "Agreements never verified, or last verified more than REGISTER_STALE_AFTER_DAYS (180) "
            "days ago.",
        },
    },
    "required": ["by_status", "commitments", "with_news_since_event", "stale"],
    "additionalProperties": False,
}


class EventDetailSerializer(WithTotalsMixin, EventSerializer):
    """Adds `itemised` (what its public agreements add up to, as `totals`), the `gap` to what was announced,
    and the `follow_up` scorecard of its public agreements."""

    totals_lookup = tally_scope = "event"
    itemised = serializers.SerializerMethodField(
        help_text="What the public agreements of the event add up to (the same figures as totals)."
    )
    gap = serializers.SerializerMethodField(help_text="Announced less itemised: documents and amount.")
    follow_up = serializers.SerializerMethodField()

    class Meta(EventSerializer.Meta):
        fields = [*EventSerializer.Meta.fields, "totals", "itemised", "gap", "follow_up"]

    @extend_schema_field(FOLLOW_UP_SCHEMA)
    def get_follow_up(self, event):
        """The scorecard of the event's public agreements: two queries (agreements, then commitments)."""
        cards = scorecards(Agreement.objects.public().filter(event=event), "event")
        # The view lists only events with a public agreement; one unpublished meanwhile has an empty card.
        return (cards.get(event.pk) or Scorecard(with_news_since_event=0)).as_dict()

    def event_totals(self, event):
        """The totals of the event's public agreements, computed once for totals, itemised and gap."""
        kept = self.__dict__.setdefault("_event_totals", {})
        if event.pk not in kept:
            kept[event.pk] = self.object_totals(event)
        return kept[event.pk]

    @extend_schema_field(TOTALS_SCHEMA)
    def get_totals(self, event):
        return self.event_totals(event).as_dict()

    @extend_schema_field(TOTALS_SCHEMA)
    def get_itemised(self, event):
        return self.event_totals(event).as_dict()

    @extend_schema_field(GapSerializer)
    def get_gap(self, event):
        totals = self.event_totals(event)
        documents = None if event.announced_documents is None else event.announced_documents - totals.count
        amount = share = None
        if event.announced_amount is not None:
            line = totals.in_currency(event.announced_currency)
            itemised = line.total if line is not None else Decimal("0.00")
            announced = Decimal(event.announced_amount)
            amount = decimal_text(announced - itemised)
            if announced:
                share = str((itemised / announced).quantize(SHARE, rounding=ROUND_HALF_UP))
        return {"documents": documents, "amount": amount, "currency": event.announced_currency, "itemised_share": share}


# What a change says a field was or became: canonical text (a status code, a slug or a source's key, a
# partial date, a decimal string, a row in a few words), a boolean, or null (nothing: a row added or removed).
CHANGE_VALUE_SCHEMA = {"oneOf": [{"type": "string"}, {"type": "boolean"}], "nullable": True}


class ChangeValueField(serializers.Field):
    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return value


extend_schema_field(CHANGE_VALUE_SCHEMA)(ChangeValueField)


class ChangeItemSerializer(serializers.Serializer):
    field = serializers.CharField(
        help_text='What changed: a field of the agreement ("status", "value"), a collection for a row added or '
        'removed ("parties", "commitments", "commitment_updates", "status_history", "sources", "relations"), '
        'or a field of a row ("commitments.2.status"); a translation is its field with the language\'s code '
        '("title_ru", "commitments.2.description_kk").'
    )
    before = ChangeValueField(help_text="What it was; null when a row was added.")
    after = ChangeValueField(help_text="What it became; null when a row was removed.")


class ChangeSerializer(serializers.Serializer):
    """One published change of a public agreement: when, and what, field by field."""

    agreement = AgreementRefSerializer()
    at = serializers.DateTimeField(help_text="When the change was published (ISO 8601, UTC).")
    changes = ChangeItemSerializer(many=True)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class InvalidQuerySerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="Invalid query parameters.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="For each bad parameter, the reasons.",
    )
