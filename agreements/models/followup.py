"""What became of each deal: dated statuses, commitment updates, claims made about an event, and the
public log of changes between published states.

An agreement's `status` is its latest status entry's, and a commitment's `status` its latest update's:
database triggers write them and refuse a status that contradicts the timeline (agreements/timeline.py),
whatever makes the change. `overdue`, `stale` and `news since` depend on today, so they are computed when
read, by the functions here, the one definition every surface uses.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .core import (
    NON_NEGATIVE,
    Agreement,
    Commitment,
    DatePrecision,
    Event,
    MilestoneStatus,
    Source,
    Status,
    currency_validator,
    format_partial_date,
    partial_date_constraint,
    partial_date_error,
    period_end,
)

__all__ = [
    "CommitmentUpdate",
    "EventClaim",
    "PublishedVersion",
    "Scorecard",
    "StatusEntry",
    "agreement_news_since",
    "is_overdue",
    "is_stale",
    "newest_fact",
    "overdue_q",
    "overdue_text",
    "parse_partial_date",
    "scorecards",
    "stale_cutoff",
    "stale_q",
    "today",
]


def today():
    """The day the register judges `overdue` and `stale` by (tests move it to either side of a boundary)."""
    return timezone.localdate()


def stale_cutoff(day=None):
    """A record last verified before this day is stale."""
    return (day or today()) - datetime.timedelta(days=settings.REGISTER_STALE_AFTER_DAYS)


def is_stale(last_verified_on, day=None):
    """Never verified, or verified more than REGISTER_STALE_AFTER_DAYS days ago."""
    return last_verified_on is None or last_verified_on < stale_cutoff(day)


def stale_q(day=None):
    return Q(last_verified_on__isnull=True) | Q(last_verified_on__lt=stale_cutoff(day))


def is_overdue(due_on, precision, status, day=None):
    """Due, not met, and the whole due period (a day, a month, a year) is over."""
    if due_on is None or status == MilestoneStatus.MET:
        return False
    return period_end(due_on, precision) < (day or today())


def overdue_q(prefix="", day=None):
    """Commitments (through `prefix`, such as "commitments__") that `is_overdue` calls overdue, in SQL: the
    due period ended before today when its first day is before today's day, month or year."""
    day = day or today()
    starts = {
        DatePrecision.DAY: day,
        DatePrecision.MONTH: day.replace(day=1),
        DatePrecision.YEAR: day.replace(month=1, day=1),
    }
    periods = Q()
    for precision, start in starts.items():
        periods |= Q(**{f"{prefix}due_precision": precision, f"{prefix}due_on__lt": start})
    return periods & ~Q(**{f"{prefix}status": MilestoneStatus.MET})


def parse_partial_date(text):
    """(date, precision) from "2025-11-06", "2025-11" or "2025"; (None, day) for None."""
    if not text:
        return None, DatePrecision.DAY
    parts = [int(part) for part in text.split("-")]
    precision = [DatePrecision.YEAR, DatePrecision.MONTH, DatePrecision.DAY][len(parts) - 1]
    return datetime.date(*parts, *[1] * (3 - len(parts))), precision


def overdue_text(due_text, status, day=None):
    """`is_overdue` for a commitment as the API writes it (its due date as partial-date text)."""
    return is_overdue(*parse_partial_date(due_text), status, day=day)


def newest_fact(dates):
    """The newest of partial-date texts ("2026-02-20", "2026-02", "2026"; None or "" for undated) or None: "no
    news since" that day. Compared by their first day, the finer precision first on a tie (2026-02-20 is newer
    than 2026-02, 2026-02-01 too): the order of the texts themselves, whose parts have fixed widths and where a
    coarser date is a prefix of the finer ones that start with it. Read as text, as the API's rows hold them."""
    return max(filter(None, dates), default=None)


def agreement_news_since(agreement):
    """`newest_fact` of an agreement: its signature, status entries and commitment updates (prefetched)."""
    dates = [format_partial_date(agreement.signed_on, agreement.signed_on_precision)]
    dates += [format_partial_date(entry.date, entry.date_precision) for entry in agreement.status_entries.all()]
    dates += [
        format_partial_date(update.date, update.date_precision)
        for commitment in agreement.commitments.all()
        for update in commitment.updates.all()
    ]
    return newest_fact(dates)


@dataclass
class Scorecard:
    """What became of a selection of agreements (PRODUCT.md, "Follow-up scorecard"): how many there are,
    by current status; their commitments by milestone status, and how many of those are overdue; how
    many have news dated after their event (None for a selection without one); how many are stale."""

    agreements: int = 0
    by_status: dict = field(default_factory=lambda: dict.fromkeys(Status.values, 0))
    commitments: dict = field(default_factory=lambda: {**dict.fromkeys(MilestoneStatus.values, 0), "overdue": 0})
    with_news_since_event: int | None = None
    stale: int = 0

    @property
    def announced_only(self):
        return self.by_status[Status.ANNOUNCED]

    @property
    def signed(self):
        """Itemised documents reported as signed (in force, completed or over included): all but announced."""
        return self.agreements - self.announced_only

    def as_dict(self):
        return {
            "by_status": dict(self.by_status),
            "commitments": dict(self.commitments),
            "with_news_since_event": self.with_news_since_event,
            "stale": self.stale,
        }


def scorecards(queryset, key=None, day=None):
    """{value of `key` ("event", or None for the whole selection): Scorecard} of the agreements of
    `queryset`, in two queries whatever their number: one over the agreements, grouped; one over their
    commitments. With key="event", news since the event means a status entry or commitment update dated
    (by its first day) after the event ended."""
    day = day or today()
    counts = {f"status_{status}": Count("pk", filter=Q(status=status)) for status in Status.values}
    counts["stale"] = Count("pk", filter=stale_q(day))
    counts["agreements"] = Count("pk")
    if key == "event":
        ended = Coalesce(OuterRef("event__ends_on"), OuterRef("event__starts_on"))
        entries = StatusEntry.objects.filter(agreement=OuterRef("pk"), date__gt=ended)
        updates = CommitmentUpdate.objects.filter(commitment__agreement=OuterRef("pk"), date__gt=ended)
        counts["news"] = Count("pk", filter=Q(Exists(entries)) | Q(Exists(updates)))
    if key:
        rows = queryset.order_by().values(key).annotate(**counts)
    else:
        rows = [{None: None, **queryset.order_by().aggregate(**counts)}]
    cards = {}
    for row in rows:
        card = cards[row[key]] = Scorecard(agreements=row["agreements"], stale=row["stale"])
        card.by_status = {status: row[f"status_{status}"] for status in Status.values}
        if key == "event":
            card.with_news_since_event = row["news"]
    commitment_counts = {status: Count("pk", filter=Q(status=status)) for status in MilestoneStatus.values}
    commitment_counts["overdue"] = Count("pk", filter=overdue_q(day=day))
    selected = Commitment.objects.filter(agreement__in=queryset.order_by().values("pk")).order_by()
    if key:
        commitment_rows = selected.values(f"agreement__{key}").annotate(**commitment_counts)
    else:
        commitment_rows = [{f"agreement__{key}": None, **selected.aggregate(**commitment_counts)}]
    for row in commitment_rows:
        card = cards.get(row[f"agreement__{key}"])
        if card is not None:
            card.commitments = {name: row[name] for name in commitment_counts}
    return cards


class PartialDateMixin(models.Model):
    """A dated fact: a day, or a month or year entered as its first day."""

    date = models.DateField(help_text=_("For a month or a year, enter its first day and set the precision."))
    date_precision = models.CharField(
        _("precision"), max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        error = partial_date_error(self.date, self.date_precision)
        if error:
            raise ValidationError({"date": error})

    @property
    def date_display(self):
        return format_partial_date(self.date, self.date_precision)


class StatusEntryManager(models.Manager):
    def get_by_natural_key(self, agreement_slug, date, status):
        return self.get(agreement__slug=agreement_slug, date=date, status=status)


class StatusEntry(PartialDateMixin):
    """A dated step in an agreement's life ("signed in November 2025 [MFA]"); the latest is its status."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="status_entries")
    status = models.CharField(max_length=12, choices=Status.choices)
    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.PROTECT, related_name="status_entries")
    note = models.CharField(max_length=400, blank=True, help_text=_("What the source says, in a sentence."))

    history = HistoricalRecords()
    objects = StatusEntryManager()

    class Meta:
        ordering = ["agreement", "date", "id"]
        verbose_name = _("status entry")
        verbose_name_plural = _("status timeline")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "date", "status"],
                name="status_entry_unique",
                violation_error_message=_("The timeline already has this status on this date."),
            ),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="status_entry_status_valid"),
            partial_date_constraint("date", "date_precision", "status_entry_partial_date"),
            models.CheckConstraint(
                condition=Q(date_precision__in=DatePrecision.values), name="status_entry_precision_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_status_display()} ({self.date_display})"

    def natural_key(self):
        return (*self.agreement.natural_key(), self.date.isoformat(), self.status)

    natural_key.dependencies = ["agreements.agreement", "agreements.source"]


class CommitmentUpdateManager(models.Manager):
    def get_by_natural_key(self, agreement_slug, position, date, status):
        return self.get(
            commitment__agreement__slug=agreement_slug, commitment__position=position, date=date, status=status
        )


class CommitmentUpdate(PartialDateMixin):
    """What a source says of a commitment's progress on a day; the latest update is its status."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=14, choices=MilestoneStatus.choices)
    progress = models.DecimalField(
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        help_text=_("How much of the commitment's quantity is done, where a source says (120 of 3,000 units)."),
    )
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="commitment_updates"
    )
    note = models.CharField(max_length=400, blank=True, help_text=_("What the source says, in a sentence."))

    history = HistoricalRecords()
    objects = CommitmentUpdateManager()

    class Meta:
        ordering = ["commitment", "date", "id"]
        verbose_name = _("commitment update")
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "date", "status"],
                name="commitment_update_unique",
                violation_error_message=_("This commitment already has an update with this status on this date."),
            ),
            partial_date_constraint("date", "date_precision", "commitment_update_partial_date"),
            models.CheckConstraint(
                condition=Q(status__in=MilestoneStatus.values), name="commitment_update_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(progress__isnull=True) | Q(progress__gte=0), name="commitment_update_progress_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(date_precision__in=DatePrecision.values), name="commitment_update_precision_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_status_display()} ({self.date_display})"

    def natural_key(self):
        return (*self.commitment.natural_key(), self.date.isoformat(), self.status)

    natural_key.dependencies = ["agreements.commitment", "agreements.source"]


class EventClaimManager(models.Manager):
    def get_by_natural_key(self, event_slug, source_key):
        return self.get(event__slug=event_slug, source__key=source_key)


class EventClaim(models.Model):
    """What another source says an event produced, beside its announcement ("partnerships worth up to
    USD 3.7 billion"): shown, never added to what the register itemises."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="claims")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="event_claims")
    claim = models.CharField(max_length=500, help_text=_("What the source says, in its own terms."))
    amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True, validators=NON_NEGATIVE)
    currency = models.CharField(max_length=3, blank=True, validators=[currency_validator])
    approximate = models.BooleanField(default=False)

    history = HistoricalRecords()
    objects = EventClaimManager()

    class Meta:
        ordering = ["event", "id"]
        verbose_name = _("claim about the event")
        verbose_name_plural = _("claims about the event")
        constraints = [
            models.UniqueConstraint(fields=["event", "source"], name="event_claim_unique"),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="event_claim_amount_not_negative"
            ),
        ]

    def __str__(self):
        return self.claim

    def natural_key(self):
        return (*self.event.natural_key(), *self.source.natural_key())

    natural_key.dependencies = ["agreements.event", "agreements.source"]


class PublishedVersionQuerySet(models.QuerySet):
    def changes(self):
        """The public change log: versions that changed something a reader sees, of records public now."""
        return self.exclude(changes=[]).filter(agreement__in=Agreement.objects.public())


class PublishedVersion(models.Model):
    """One published state of an agreement: the history rows (django-simple-history) it was made of, and
    what it changed, field by field, against the previous published state (agreements/changelog.py).

    Written when a published record's change commits, and when a record is first published (then with no
    changes: nothing public came before it). What happened while a record was a draft or in review shows,
    if at all, as the difference at its next publication; the history rows name editors, this never does.
    """

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="published_versions")
    at = models.DateTimeField(db_index=True)
    versions = models.JSONField(help_text=_("The ids of the history rows that made this published state."))
    changes = models.JSONField(default=list, help_text=_('[{"field", "before", "after"}], empty for the first.'))

    objects = PublishedVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("published version")
        indexes = [models.Index(fields=["agreement", "-at"], name="published_version_agreement")]

    def __str__(self):
        return f"{self.agreement} at {self.at:%Y-%m-%d %H:%M}"
