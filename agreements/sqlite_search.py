"""SQLite's full-text index of agreements (FTS5): what PostgreSQL's stored search document is there.

Matching each word with LIKE in the title, the summary and every party's organisation read every
agreement: 0.5 s at 100,000 agreements, several seconds at a million. `agreements_search` is an FTS5
table with one row per agreement (its rowid the agreement's id): the title and the summary in every
language; its parties' organisation names (every language), short names and aliases, with the people who
signed for them and their offices; and its context (the event's name and place, the agreement's places, in
every language); split into words (letters and digits; case, Cyrillic's included, and diacritics ignored:
unicode61 folds them). A search word matches the words of a column that start with it, as a quoted FTS5
phrase with a prefix (`"pipe"*` finds pipeline): a word of several parts (diesel-electric) must have them in
order. agreements/search.py builds the query; no input reaches it but as a bound value.

Triggers keep it current on every insert, update and delete of an agreement, a party or an alias, and every
change of an organisation's names or of an event's name or place, whatever makes it (admin, import,
bulk_create, queryset.update, raw SQL, loaddata). Like the tally, it is the database's own: dumps and
fixtures never carry it. PostgreSQL has none (its search document is GIN-indexed); there, every function
here does nothing.
"""

# ruff: noqa: S608 (every statement here is built from constants of this module)

from django.db.models.expressions import RawSQL

from .content_language import OTHERS

TABLE = "agreements_search"


def every_language(alias, column):
    """A translated column's text in every language, as one text (SQL)."""
    return " || ' ' || ".join([f"{alias}.{column}", *(f"COALESCE({alias}.{column}_{code}, '')" for code in OTHERS)])


ALIASES = (
    "COALESCE((SELECT ' ' || group_concat(al.name, ' ') FROM agreements_organizationalias al "
    "WHERE al.organization_id = o.id), '')"
)
PARTY_NAMES = (
    f"(SELECT group_concat({every_language('o', 'name')} || ' ' || o.short_name || {ALIASES} || ' ' || "
    "p.signed_by || ' ' || p.signer_title, ' ') "
    "FROM agreements_party p JOIN agreements_organization o ON o.id = p.organization_id WHERE p.agreement_id = a.id)"
)
CONTEXT = (
    f"(SELECT {every_language('e', 'name')} || ' ' || {every_language('e', 'place')} "
    "FROM agreements_event e WHERE e.id = a.event_id)"
)
TRANSLATED = ", ".join(
    f"{name}{end}" for name in ("title", "summary", "places") for end in ["", *(f"_{c}" for c in OTHERS)]
)
ORGANIZATION_NAMES = ", ".join(["name", *(f"name_{code}" for code in OTHERS), "short_name"])
EVENT_WORDS = ", ".join(f"{name}{end}" for name in ("name", "place") for end in ["", *(f"_{c}" for c in OTHERS)])
AGREEMENTS_OF_ORGANIZATION = "SELECT agreement_id FROM agreements_party WHERE organization_id = {}"


def write_sql(ids=None):
    """(Re)write the rows of the agreements whose ids `ids` selects, or of every agreement."""
    where = "" if ids is None else f" WHERE a.id IN ({ids})"
    return [
        f"DELETE FROM {TABLE}" + ("" if ids is None else f" WHERE rowid IN ({ids})"),
        f"INSERT INTO {TABLE} (rowid, title, summary, parties, context) "
        f"SELECT a.id, {every_language('a', 'title')}, {every_language('a', 'summary')}, "
        f"COALESCE({PARTY_NAMES}, ''), COALESCE({CONTEXT}, '') || ' ' || {every_language('a', 'places')} "
        f"FROM agreements_agreement a{where}",
    ]


def body(ids):
    return "; ".join(write_sql(ids))


TRIGGERS = {
    "agreement_insert": f"AFTER INSERT ON agreements_agreement FOR EACH ROW BEGIN {body('NEW.id')}; END",
    "agreement_update": (
        f"AFTER UPDATE OF {TRANSLATED}, event_id ON agreements_agreement FOR EACH ROW BEGIN {body('NEW.id')}; END"
    ),
    "agreement_delete": f"AFTER DELETE ON agreements_agreement FOR EACH ROW BEGIN DELETE FROM {TABLE} "
    "WHERE rowid = OLD.id; END",
    "party_insert": f"AFTER INSERT ON agreements_party FOR EACH ROW BEGIN {body('NEW.agreement_id')}; END",
    "party_update": (
        "AFTER UPDATE OF agreement_id, organization_id, signed_by, signer_title ON agreements_party FOR EACH ROW "
        f"BEGIN {body('OLD.agreement_id')}; {body('NEW.agreement_id')}; END"
    ),
    "party_delete": f"AFTER DELETE ON agreements_party FOR EACH ROW BEGIN {body('OLD.agreement_id')}; END",
    "organization": (
        f"AFTER UPDATE OF {ORGANIZATION_NAMES} ON agreements_organization FOR EACH ROW "
        f"BEGIN {body(AGREEMENTS_OF_ORGANIZATION.format('NEW.id'))}; END"
    ),
    "alias_insert": (
        "AFTER INSERT ON agreements_organizationalias FOR EACH ROW "
        f"BEGIN {body(AGREEMENTS_OF_ORGANIZATION.format('NEW.organization_id'))}; END"
    ),
    "alias_update": (
        "AFTER UPDATE ON agreements_organizationalias FOR EACH ROW "
        f"BEGIN {body(AGREEMENTS_OF_ORGANIZATION.format('OLD.organization_id'))}; "
        f"{body(AGREEMENTS_OF_ORGANIZATION.format('NEW.organization_id'))}; END"
    ),
    "alias_delete": (
        "AFTER DELETE ON agreements_organizationalias FOR EACH ROW "
        f"BEGIN {body(AGREEMENTS_OF_ORGANIZATION.format('OLD.organization_id'))}; END"
    ),
    "event": (
        f"AFTER UPDATE OF {EVENT_WORDS} ON agreements_event FOR EACH ROW "
        f"BEGIN {body('SELECT id FROM agreements_agreement WHERE event_id = NEW.id')}; END"
    ),
}


def create_table(connection):
    """The table, empty; `install()` adds the triggers and indexes every agreement (agreements/derived.py)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(
            f"CREATE VIRTUAL TABLE {TABLE} USING fts5(title, summary, parties, context, "
            "tokenize = 'unicode61 remove_diacritics 2')"
        )


def install(connection):
    """Create the triggers (replacing any) and index every agreement anew."""
    if connection.vendor != "sqlite":
        return
    uninstall(connection)
    with connection.cursor() as cursor:
        for name, trigger in TRIGGERS.items():
            cursor.execute(f"CREATE TRIGGER {TABLE}_{name} {trigger}")
        for statement in write_sql():
            cursor.execute(statement)


def uninstall(connection):
    """Drop the triggers (for a bulk load, which then calls install())."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_{name}")


def match_query(words):
    """The FTS5 query for words that must all match (each at the start of a word): `"w1"* AND "w2"*`.
    The words hold no double quote (search.py drops them), so each is one FTS5 string."""
    return " AND ".join(f'"{word}"*' for word in words)


MATCHING = f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s"


def matching_ids(words):
    """The ids of the agreements matching every word, for `pk__in`: fixed text, the query bound."""
    return RawSQL(MATCHING, [match_query(words)])  # noqa: S611 (no input reaches the text)
