"""Search over agreements: PostgreSQL full-text search where available, words matched in SQL elsewhere.

On PostgreSQL one document is built per agreement from its title (weight A), its summary (B) and
the names and short names of its parties' organisations (C), and matched against the visitor's text
read as a web search (`websearch_to_tsquery`: quoted phrases, `or`, `-word`), so no input is a
syntax error. Results keep the FilterSet's ordering (newest first unless asked otherwise). The
document is computed per row, which costs seconds at 100,000 agreements: a stored, GIN-indexed vector
is the next step. On SQLite each word must appear, case-insensitively, in the title, the summary or a party's name
(and a `-word` must not).
"""

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connections
from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Concat

from .models import Party

SEARCH_CONFIG = "english"
MAX_WORDS = 10


def search_agreements(queryset, text):
    """`queryset` narrowed to agreements matching `text`; the caller's ordering is kept."""
    text = " ".join(text.replace("\x00", " ").split()[:MAX_WORDS])
    if not text:
        return queryset
    if connections[queryset.db].vendor == "postgresql":
        return _full_text(queryset, text)
    return _words(queryset, text)


def _party_names():
    """All party organisation names of the outer agreement, as one text (for its search document)."""
    return Subquery(
        Party.objects.filter(agreement=OuterRef("pk"))
        .order_by()
        .values("agreement")
        .annotate(names=StringAgg(Concat("organization__name", Value(" "), "organization__short_name"), delimiter=" "))
        .values("names")
    )


def _full_text(queryset, text):
    vector = (
        SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("summary", weight="B", config=SEARCH_CONFIG)
        + SearchVector(_party_names(), weight="C", config=SEARCH_CONFIG)
    )
    query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    return queryset.alias(search_document=vector).filter(search_document=query)


def _words(queryset, text):
    """Each word somewhere; quotes are dropped (a phrase becomes its words) and `-word` excludes."""
    for token in text.replace('"', " ").split():
        word = token.lstrip("-")
        if not word:
            continue
        party_match = Party.objects.filter(agreement=OuterRef("pk")).filter(
            Q(organization__name__icontains=word) | Q(organization__short_name__icontains=word)
        )
        match = Q(title__icontains=word) | Q(summary__icontains=word) | Exists(party_match)
        queryset = queryset.exclude(match) if token.startswith("-") else queryset.filter(match)
    return queryset
