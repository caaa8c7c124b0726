"""The API list's page: the ORM pages the ids of the filtered, ordered selection, then one statement
reads those agreements, and each one's parties, commitments and sources already written as JSON
arrays, which go into the answer as they are.

Reading children as model instances (or even as rows) and writing them out in Python cost more than
the SQL itself: at 50 a page, about 150 party, commitment and citation rows. The database keeps each
agreement's three arrays written (agreements/children.py) and orjson splices them into the body
(`orjson.Fragment`) without parsing them again. Building the statement through the ORM (26 columns
through four joins) cost as much as running it, so its text is fixed, the page's ids its only
parameters. The detail (views.py) reads its agreement's row the same way.
The output is the one AgreementSerializer documents; tests/api/test_contract.py and
tests/api/test_listing.py hold both paths to the same JSON, values, types and order.

The statement is SQL, not ORM, because it nests an ordered subquery per agreement. It reads only
the agreements whose ids the ORM gave, and their own children: no user input reaches its text.
"""

import datetime
from functools import cache

import orjson
from django.db import connections
from django.urls import reverse

from agreements import content_language, links
from agreements.children import page_arrays
from agreements.models import (
    Kind,
    PublicationState,
    followup,
    format_partial_date,
    is_stale,
    newest_fact,
)

from .serializers import CommitmentSerializer, value

# The agreement's own columns the list writes, with its sector (s), event (e) and group (g), as stored:
# row_object reads dates, amounts and booleans the way Django's converters would.
COLUMNS = [
    "agreements_agreement.slug",
    "agreements_agreement.title",
    "agreements_agreement.kind",
    "agreements_agreement.status",
    "agreements_agreement.signed_on",
    "agreements_agreement.signed_on_precision",
    "agreements_agreement.value_amount",
    "agreements_agreement.value_currency",
    "agreements_agreement.value_approximate",
    "agreements_agreement.value_basis",
    "s.slug",
    "s.name",
    "e.slug",
    "e.name",
    "g.slug",
    "g.name",
    "g.amount",
    "g.currency",
    "g.approximate",
    "g.basis",
    "agreements_agreement.last_verified_on",
]
# Translated (agreements/translation.py): written as shown in the page's language (content_language.sql).
TRANSLATED = frozenset({"agreements_agreement.title", "s.name", "e.name", "g.name"})
NON_BINDING = frozenset(Kind.non_binding())
READ_TIME = CommitmentSerializer.Meta.read_time
PUBLISHED = PublicationState.PUBLISHED.value


def rows_statement(vendor, count=None, language=content_language.DEFAULT):
    """The page's rows, by id, with their children as JSON text, in `language`. Written from the constants
    above: the ids are bound parameters, nothing else varies. SQLite's has `count` parameters, one an id;
    PostgreSQL's one, the array of ids (pg_rows_statement)."""
    columns = ", ".join(
        content_language.sql(column, language) if column in TRANSLATED else column for column in COLUMNS
    )
    # Each agreement's arrays as agreements/children.py keeps them (in the language's own columns);
    # computed here only for one without its row (COALESCE evaluates the subquery only then).
    arrays = ", ".join(f"COALESCE(ch.{column}, ({sql}))" for column, sql in page_arrays(vendor, language).values())
    ids = "= ANY(%s::bigint[])" if vendor == "postgresql" else "IN (" + ", ".join(["%s"] * count) + ")"
    return (
        f"SELECT agreements_agreement.id, {columns}, {arrays} FROM agreements_agreement "  # noqa: S608 (constants)
        # LEFT JOIN (the sector is never missing): SQLite then reads the agreements by id first, where
        # with an inner join it went through the dozen sectors and probed every id for each (1.1 -> 0.7 ms).
        "LEFT JOIN agreements_sector s ON s.id = agreements_agreement.sector_id "
        "LEFT JOIN agreements_event e ON e.id = agreements_agreement.event_id "
        "LEFT JOIN agreements_group g ON g.id = agreements_agreement.group_id "
        "LEFT JOIN agreements_children ch ON ch.agreement_id = agreements_agreement.id "
        f"WHERE agreements_agreement.id {ids} "
        # Public again: one unpublished between the two statements must not show.
        f"AND agreements_agreement.publication_state = '{PUBLISHED}'"
    )


@cache
def pg_rows_statement(language=content_language.DEFAULT):
    """PostgreSQL's statement in `language`, whose text never changes: psycopg prepares it on a connection once it
    has run there `prepare_threshold` times (server-side binding, kzdeals/settings.py), after which PostgreSQL
    no longer plans it. Planning it (four joins, four array subqueries) cost more than running it: 1.8 ms against
    under 1 ms at 100,000 agreements (bench/results/plans.md)."""
    return rows_statement("postgresql", language=language)


def pg_ids(ids):
    """The ids as one array literal (`{1,2,3}`): whole numbers from the database, one text parameter that
    PostgreSQL reads as bigint[] (psycopg's list dumper cost more, an adapter per element)."""
    return "{" + ",".join(str(int(pk)) for pk in ids) + "}"


def page_ids(queryset):
    """What the paginator slices: the ids of the filtered, ordered selection (a cheap statement to build)."""
    return queryset.values_list("pk", flat=True)


def page_rows(ids, using="default"):
    """The list's JSON objects for a page of agreement ids, in their order, in the active language: one
    statement, whose text depends only on the number of ids and the language (the ORM builds only the ids'
    query, which is the costly part)."""
    if not ids:
        return []
    connection = connections[using]
    with connection.cursor() as cursor:
        language = content_language.active()
        if connection.vendor == "postgresql":
            cursor.execute(pg_rows_statement(language), [pg_ids(ids)])
        else:
            cursor.execute(rows_statement(connection.vendor, len(ids), language), list(ids))
        rows = {row[0]: row[1:] for row in cursor.fetchall()}
    # Every agreement's address differs only in its slug (letters, digits, - and _: nothing to quote).
    marker = "--slug--"
    url = links.absolute_url(reverse("agreements:agreement-detail", kwargs={"slug": marker}))
    before, after = url.split(marker)
    # Read once a page: every row is judged by the same day, and the time zone's lookup costs more than the row.
    day = followup.today()
    return [row_object(rows[pk], before, after, day) for pk in ids if pk in rows]


def row_object(row, url_before, url_after, day):
    (
        slug,
        title,
        kind,
        status,
        signed_on,
        precision,
        amount,
        currency,
        approximate,
        basis,
        sector_slug,
        sector_name,
        event_slug,
        event_name,
        group_slug,
        group_name,
        group_amount,
        group_currency,
        group_approximate,
        group_basis,
        last_verified_on,
        parties,
        commitments,
        sources,
        status_history,
    ) = row
    in_group = group_slug is not None
    if isinstance(signed_on, str):  # SQLite keeps dates as ISO text
        signed_on = datetime.date.fromisoformat(signed_on)
    if isinstance(last_verified_on, str):
        last_verified_on = datetime.date.fromisoformat(last_verified_on)
    # Parties and sources go out as the database wrote them; commitments and the status history are read
    # (a few short objects) for what depends on today and for the newest dated fact.
    commitments = orjson.loads(commitments)
    for commitment in commitments:
        for name, compute in READ_TIME.items():
            commitment[name] = compute(commitment, day)
    status_history = orjson.loads(status_history)
    signed_on = format_partial_date(signed_on, precision)
    dated = [signed_on, *(entry["date"] for entry in status_history)]
    dated += [update["date"] for commitment in commitments for update in commitment["updates"]]
    return {
        "slug": slug,
        "title": title,
        "kind": kind,
        "status": status,
        "binding": kind not in NON_BINDING,
        "sector": {"slug": sector_slug, "name": sector_name},
        "event": None if event_slug is None else {"slug": event_slug, "name": event_name},
        "signed_on": signed_on,
        "value": None if in_group or amount is None else value(amount, currency, bool(approximate), basis),
        "group": None
        if not in_group
        else {
            "slug": group_slug,
            "name": group_name,
            "value": value(group_amount, group_currency, bool(group_approximate), group_basis),
        },
        "parties": orjson.Fragment(parties),
        "commitments": commitments,
        "sources": orjson.Fragment(sources),
        "status_history": status_history,
        "last_verified_on": None if last_verified_on is None else last_verified_on.isoformat(),
        "news_since": newest_fact(dated),
        "stale": is_stale(last_verified_on, day),
        "url": f"{url_before}{slug}{url_after}",
    }
