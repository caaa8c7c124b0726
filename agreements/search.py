"""Search over agreements: PostgreSQL full-text search where available, words matched in SQL elsewhere.

On PostgreSQL each agreement stores its search document (`Agreement.search_document`, GIN-indexed):
its title (weight A), its summary (B), the names and short names of its parties' organisations with
the people who signed for them and their offices (C), and its context: the event's name and place and
the agreement's places (D). `refresh_search_documents()` rebuilds it, and the signals below call it
whenever one of those changes (an agreement, a party, an organisation, an event; raw saves of a
fixture load too), so a search
reads the index instead of building a document per row. The visitor's text is read as a web search
(`websearch_to_tsquery`: quoted phrases, `or`, `-word`), so no input is a syntax error. Without an
explicit `ordering`, results are ranked (`relevance()`): on PostgreSQL by ts_rank over the weighted
document, on SQLite by where the words occur (title before summary before the rest), then newest
first. On SQLite the column stays empty: each word must begin a word of the title, the summary, a
party's name or signatory, or the context (and a `-word` must not), found in SQLite's own full-text
index (sqlite_search.py).
"""

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import Case, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Concat
from django.db.models.signals import post_delete, post_save

from . import sqlite_search
from .models import Agreement, Event, Organization, Party

SEARCH_CONFIG = "english"
MAX_WORDS = 10


def search_agreements(queryset, text):
    """`queryset` narrowed to agreements matching `text`; the caller's ordering is kept."""
    text = _clean(text)
    if not text:
        return queryset
    if connections[queryset.db].vendor == "postgresql":
        return _full_text(queryset, text)
    return _words(queryset, text)


def _clean(text):
    return " ".join(text.replace("\x00", " ").split()[:MAX_WORDS])


def relevance(queryset, text):
    """An expression to order matches by, best first (weights: title A, summary B, party names C)."""
    text = _clean(text)
    if connections[queryset.db].vendor == "postgresql":
        return SearchRank(F("search_document"), SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG))
    score = Value(0)
    for word in (token.lstrip("-") for token in text.replace('"', " ").split() if not token.startswith("-")):
        if word:
            score = score + Case(
                When(title__icontains=word, then=Value(4)),
                When(summary__icontains=word, then=Value(2)),
                default=Value(1),
                output_field=IntegerField(),
            )
    return score


def _party_names():
    """The outer agreement's parties as one text: organisation names and short names, signatories and their
    offices (for its search document)."""
    words = Concat(
        "organization__name",
        Value(" "),
        "organization__short_name",
        Value(" "),
        "signed_by",
        Value(" "),
        "signer_title",
    )
    return Subquery(
        Party.objects.filter(agreement=OuterRef("pk"))
        .order_by()
        .values("agreement")
        .annotate(names=StringAgg(words, delimiter=" "))
        .values("names")
    )


def _context():
    """The outer agreement's event (name and place) and its own places, as one text."""
    event = Event.objects.filter(pk=OuterRef("event_id")).annotate(words=Concat("name", Value(" "), "place"))
    event = Subquery(event.values("words"))
    return Concat(Coalesce(event, Value("")), Value(" "), "places")


def search_vector():
    """The search document of the outer agreement: title (A), summary (B), its parties' names and signatories
    (C), its event and places (D)."""
    return (
        SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("summary", weight="B", config=SEARCH_CONFIG)
        + SearchVector(_party_names(), weight="C", config=SEARCH_CONFIG)
        + SearchVector(_context(), weight="D", config=SEARCH_CONFIG)
    )


def refresh_search_documents(queryset):
    """Rebuild the stored search document of these agreements, in one UPDATE; nothing to do on SQLite."""
    if connections[queryset.db].vendor != "postgresql":
        return 0
    return queryset.order_by().update(search_document=search_vector())


def _full_text(queryset, text):
    query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    return queryset.filter(search_document=query)


def _agreement_saved(sender, instance, using, **kwargs):
    Agreement.objects.using(using).filter(pk=instance.pk).refresh_search_documents()


def _party_changed(sender, instance, using, **kwargs):
    Agreement.objects.using(using).filter(pk=instance.agreement_id).refresh_search_documents()


def _organization_saved(sender, instance, using, **kwargs):
    agreements = Party.objects.using(using).filter(organization_id=instance.pk).values("agreement_id")
    Agreement.objects.using(using).filter(pk__in=agreements).refresh_search_documents()


def _event_saved(sender, instance, using, **kwargs):
    Agreement.objects.using(using).filter(event_id=instance.pk).refresh_search_documents()


def connect_signals():
    """Keep stored search documents current; raw saves (loaddata) included."""
    post_save.connect(_agreement_saved, sender=Agreement, dispatch_uid="kzdeals-search-agreement")
    post_save.connect(_party_changed, sender=Party, dispatch_uid="kzdeals-search-party-save")
    post_delete.connect(_party_changed, sender=Party, dispatch_uid="kzdeals-search-party-delete")
    post_save.connect(_organization_saved, sender=Organization, dispatch_uid="kzdeals-search-organization")
    post_save.connect(_event_saved, sender=Event, dispatch_uid="kzdeals-search-event")


def _words(queryset, text):
    """Each word at the start of a word somewhere (agreements/sqlite_search.py: the full-text index);
    quotes are dropped (a phrase becomes its words) and `-word` excludes. A word without a letter or a
    digit (which the index does not hold) is matched as text, as it was before the index."""
    wanted = []
    for token in text.replace('"', " ").split():
        word = token.lstrip("-")
        if not word:
            continue
        if any(character.isalnum() for character in word):
            if token.startswith("-"):
                queryset = queryset.exclude(pk__in=sqlite_search.matching_ids([word]))
            else:
                wanted.append(word)
            continue
        organizations = Organization.objects.filter(Q(name__icontains=word) | Q(short_name__icontains=word))
        signatories = Q(signed_by__icontains=word) | Q(signer_title__icontains=word)
        party_match = Party.objects.filter(Q(organization__in=organizations.values("pk")) | signatories)
        party_match = party_match.values("agreement_id")
        events = Event.objects.filter(Q(name__icontains=word) | Q(place__icontains=word)).values("pk")
        match = (
            Q(title__icontains=word)
            | Q(summary__icontains=word)
            | Q(places__icontains=word)
            | Q(event__in=events)
            | Q(pk__in=party_match)
        )
        queryset = queryset.exclude(match) if token.startswith("-") else queryset.filter(match)
    if wanted:
        queryset = queryset.filter(pk__in=sqlite_search.matching_ids(wanted))
    return queryset
