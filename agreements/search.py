"""Search over agreements: PostgreSQL full-text search where available, words matched in SQL elsewhere.

On PostgreSQL each agreement stores its search document (`Agreement.search_document`, GIN-indexed): its
title (weight A) and summary (B) in every language, each read with its language's text search
configuration (`english`; `russian`; `simple` for Kazakh, which PostgreSQL has none for); the names, short
names and aliases of its parties' organisations in every language and script, with the people who signed
for them and their offices (C); and its context, the event's name and place and the agreement's places
(D); names, aliases and context in `simple` (no stemming). A visitor's text is read in every configuration
and matches any. `refresh_search_documents()` rebuilds it, and the signals below call it whenever one of
those changes (an agreement, a party, an organisation, an alias, an event; raw saves of a fixture load
too), so a search reads the index instead of building a document per row. The visitor's text is read as a
web search (`websearch_to_tsquery`: quoted phrases, `or`, `-word`), so no input is a syntax error. Without
an explicit `ordering`, results are ranked (`relevance()`): on PostgreSQL by ts_rank over the weighted
document, on SQLite by where the words occur (title before summary before the rest), then newest first.
On SQLite the column stays empty: each word must begin a word of the title, the summary, a party's name,
alias or signatory, or the context, in any language (and a `-word` must not), found in SQLite's own
full-text index (sqlite_search.py).
"""

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import Case, F, IntegerField, OuterRef, Q, Subquery, TextField, Value, When
from django.db.models.functions import Coalesce, Concat
from django.db.models.signals import post_delete, post_save

from . import sqlite_search
from .models import Agreement, Event, Organization, OrganizationAlias, Party

SEARCH_CONFIG = "english"
# Each language's text search configuration: PostgreSQL has no Kazakh one.
CONFIGS = {"en": "english", "ru": "russian", "kk": "simple"}
NAMES_CONFIG = "simple"  # names and aliases, in any language or script: no stemming
MAX_WORDS = 10


def search_query(text):
    """The visitor's text read in every language's configuration, matching any of them."""
    query = None
    for config in dict.fromkeys([*CONFIGS.values(), NAMES_CONFIG]):
        one = SearchQuery(text, search_type="websearch", config=config)
        query = one if query is None else query | one
    return query


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
        return SearchRank(F("search_document"), search_query(text))
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


def _party_other_names():
    """The outer agreement's parties' names in Russian and Kazakh, as one text."""
    return Subquery(
        Party.objects.filter(agreement=OuterRef("pk"))
        .order_by()
        .values("agreement")
        .annotate(
            names=StringAgg(
                Concat("organization__name_ru", Value(" "), "organization__name_kk", output_field=TextField()),
                delimiter=" ",
            )
        )
        .values("names")
    )


def _party_aliases():
    """Every alias of the outer agreement's parties' organisations, as one text."""
    return Subquery(
        OrganizationAlias.objects.filter(organization__parties__agreement=OuterRef("pk"))
        .order_by()
        .values("organization__parties__agreement")
        .annotate(names=StringAgg("name", delimiter=" "))
        .values("names")
    )


def _context():
    """The outer agreement's event (its name and place, in every language) and its own places, as one text."""
    columns = [f"{field}{suffix}" for field in ("name", "place") for suffix in ("", "_ru", "_kk")]
    words = Concat(*(part for column in columns for part in (column, Value(" "))), output_field=TextField())
    event = Subquery(Event.objects.filter(pk=OuterRef("event_id")).annotate(words=words).values("words"))
    text = TextField()
    return Concat(
        Coalesce(event, Value(""), output_field=text),
        Value(" "),
        "places",
        Value(" "),
        Coalesce("places_ru", Value(""), output_field=text),
        Value(" "),
        Coalesce("places_kk", Value(""), output_field=text),
        output_field=text,
    )


def search_vector():
    """The search document of the outer agreement: title (A), summary (B), its parties' names in every language,
    aliases, signatories and their offices (C), its context, the event and the places (D); every text in every
    configuration. A visitor's text is read in each configuration and matches if any reading does: each reading
    must see the whole document, or a `-word` read in one configuration would miss the word indexed in
    another (`purchase -boeing` found the Boeing deal, its name indexed only without stemming)."""
    texts = {
        "A": [F(field) for field in ("title", "title_ru", "title_kk")],
        "B": [F(field) for field in ("summary", "summary_ru", "summary_kk")],
        "C": [_party_names(), _party_other_names(), _party_aliases()],
        "D": [_context()],
    }
    vector = None
    for config in dict.fromkeys([*CONFIGS.values(), NAMES_CONFIG]):
        for weight, expressions in texts.items():
            one = SearchVector(*expressions, weight=weight, config=config)
            vector = one if vector is None else vector + one
    return vector


def refresh_search_documents(queryset):
    """Rebuild the stored search document of these agreements, in one UPDATE; nothing to do on SQLite."""
    if connections[queryset.db].vendor != "postgresql":
        return 0
    return queryset.order_by().update(search_document=search_vector())


def _full_text(queryset, text):
    return queryset.filter(search_document=search_query(text))


def _agreement_saved(sender, instance, using, **kwargs):
    Agreement.objects.using(using).filter(pk=instance.pk).refresh_search_documents()


def _party_changed(sender, instance, using, **kwargs):
    Agreement.objects.using(using).filter(pk=instance.agreement_id).refresh_search_documents()


def _organization_saved(sender, instance, using, **kwargs):
    agreements = Party.objects.using(using).filter(organization_id=instance.pk).values("agreement_id")
    Agreement.objects.using(using).filter(pk__in=agreements).refresh_search_documents()


def _event_saved(sender, instance, using, **kwargs):
    Agreement.objects.using(using).filter(event_id=instance.pk).refresh_search_documents()


def _alias_changed(sender, instance, using, **kwargs):
    agreements = Party.objects.using(using).filter(organization_id=instance.organization_id).values("agreement_id")
    Agreement.objects.using(using).filter(pk__in=agreements).refresh_search_documents()


def connect_signals():
    """Keep stored search documents current; raw saves (loaddata) included."""
    post_save.connect(_agreement_saved, sender=Agreement, dispatch_uid="kzdeals-search-agreement")
    post_save.connect(_party_changed, sender=Party, dispatch_uid="kzdeals-search-party-save")
    post_delete.connect(_party_changed, sender=Party, dispatch_uid="kzdeals-search-party-delete")
    post_save.connect(_organization_saved, sender=Organization, dispatch_uid="kzdeals-search-organization")
    post_save.connect(_event_saved, sender=Event, dispatch_uid="kzdeals-search-event")
    post_save.connect(_alias_changed, sender=OrganizationAlias, dispatch_uid="kzdeals-search-alias-save")
    post_delete.connect(_alias_changed, sender=OrganizationAlias, dispatch_uid="kzdeals-search-alias-delete")


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
        organizations = Organization.objects.filter(
            Q(name__icontains=word)
            | Q(name_ru__icontains=word)
            | Q(name_kk__icontains=word)
            | Q(short_name__icontains=word)
            | Q(aliases__name__icontains=word)
        )
        signatories = Q(signed_by__icontains=word) | Q(signer_title__icontains=word)
        party_match = Party.objects.filter(Q(organization__in=organizations.values("pk")) | signatories)
        party_match = party_match.values("agreement_id")
        event_match = Q()
        for column in ("name", "name_ru", "name_kk", "place", "place_ru", "place_kk"):
            event_match |= Q(**{f"{column}__icontains": word})
        match = Q(pk__in=party_match) | Q(event__in=Event.objects.filter(event_match).values("pk"))
        for field in ("title", "summary", "places"):
            for column in (field, *(f"{field}_{code}" for code in CONFIGS if code != "en")):
                match |= Q(**{f"{column}__icontains": word})
        queryset = queryset.exclude(match) if token.startswith("-") else queryset.filter(match)
    if wanted:
        queryset = queryset.filter(pk__in=sqlite_search.matching_ids(wanted))
    return queryset
