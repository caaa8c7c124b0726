"""Search over agreements: PostgreSQL full-text search where available, words matched in SQL elsewhere.

On PostgreSQL each agreement stores its search document (`Agreement.search_document`, GIN-indexed):
its title (weight A), its summary (B) and the names and short names of its parties' organisations
(C). `refresh_search_documents()` rebuilds it, and the signals below call it whenever one of those
changes (an agreement, a party, an organisation; raw saves of a fixture load too), so a search
reads the index instead of building a document per row. The visitor's text is read as a web search
(`websearch_to_tsquery`: quoted phrases, `or`, `-word`), so no input is a syntax error. Without an
explicit `ordering`, results are ranked (`relevance()`): on PostgreSQL by ts_rank over the weighted
document, on SQLite by where the words occur (title before summary before party names), then newest
first. On SQLite the column stays empty: each word must begin a word of the title, the summary or a
party's name (and a `-word` must not), found in SQLite's own full-text index (sqlite_search.py).
"""

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import Case, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Concat
from django.db.models.signals import post_delete, post_save

from . import sqlite_search
from .models import Agreement, Organization, Party

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
    """All party organisation names of the outer agreement, as one text (for its search document)."""
    return Subquery(
        Party.objects.filter(agreement=OuterRef("pk"))
        .order_by()
        .values("agreement")
        .annotate(names=StringAgg(Concat("organization__name", Value(" "), "organization__short_name"), delimiter=" "))
        .values("names")
    )


def search_vector():
    """The search document of the outer agreement: title (A), summary (B), its parties' names (C)."""
    return (
        SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("summary", weight="B", config=SEARCH_CONFIG)
        + SearchVector(_party_names(), weight="C", config=SEARCH_CONFIG)
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


def connect_signals():
    """Keep stored search documents current; raw saves (loaddata) included."""
    post_save.connect(_agreement_saved, sender=Agreement, dispatch_uid="kzdeals-search-agreement")
    post_save.connect(_party_changed, sender=Party, dispatch_uid="kzdeals-search-party-save")
    post_delete.connect(_party_changed, sender=Party, dispatch_uid="kzdeals-search-party-delete")
    post_save.connect(_organization_saved, sender=Organization, dispatch_uid="kzdeals-search-organization")


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
        party_match = Party.objects.filter(organization__in=organizations.values("pk")).values("agreement_id")
        match = Q(title__icontains=word) | Q(summary__icontains=word) | Q(pk__in=party_match)
        queryset = queryset.exclude(match) if token.startswith("-") else queryset.filter(match)
    if wanted:
        queryset = queryset.filter(pk__in=sqlite_search.matching_ids(wanted))
    return queryset
