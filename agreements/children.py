"""Each agreement's child arrays (parties, commitments with their updates, sources, status history), kept
written as the API writes them, in SQL compiled from the serializers that document them.

The list's page statement wrote these arrays in correlated subqueries for every request: at 50 a page
and about six child rows an agreement, that was most of its SQL (1.7 of 2.2 ms at 100,000 agreements).
Here they are written once, when a child changes, into a table of the database's own
(`agreements_children`, one row per agreement, a column per array), and the page reads them by key.

The SQL is not written by hand: `compile_arrays()` reads every `many=True` field of AgreementSerializer
(the one definition of the shape) and writes a JSON object per child row from the serializer's own fields,
in their order: model columns by their type, nested serializers through their foreign keys, nested
arrays as ordered subqueries, `PartialDateField` from its two columns. A field computed when read (it
depends on today, such as a commitment's `overdue`) is written null here and filled by the list
(`Meta.read_time` on its serializer). Adding a field to a child serializer is then a change in one
place, plus a migration that installs the triggers anew (agreements/derived.py).

Database triggers keep the rows current on every insert, update and delete of a child row (at any
depth), every agreement made or deleted, and every edit of what the arrays show of a shared row (an
organisation's name, a source's title), whatever makes the change (admin, import, bulk_create,
queryset.update, raw SQL, loaddata). The page (agreements/api/listing.py) runs the same subqueries
itself for an agreement without a row (COALESCE evaluates them only then), so after a PostgreSQL
TRUNCATE, which fires no row trigger and empties the table, the answers stay right.
tests/test_children.py holds the rows to a fresh computation after every kind of change, on SQLite
and PostgreSQL. Like the tally, the table has no Django model: dumps never carry it.
"""

# ruff: noqa: S608 (every statement here is built from the serializers' and models' own names)

from dataclasses import dataclass, field
from functools import cache

from django.db import connections
from rest_framework import serializers

from . import content_language
from .models import Agreement
from .translation import translated_fields

OUTER = '"agreements_agreement"'
OUTER_ID = f'{OUTER}."id"'
TABLE = "agreements_children"


class SQLite:
    """json_object / group_concat. SQLite 3.40 has no ORDER BY inside an aggregate, so rows are ordered in
    a subquery first; json() keeps a nested value JSON on its way out of a subquery or a CASE."""

    vendor = "sqlite"

    @staticmethod
    def value(sql, kind):
        if kind == "decimal":
            return f"CASE WHEN {sql} IS NULL THEN NULL ELSE printf('%%.2f', {sql}) END"
        if kind == "boolean":
            return f"json(CASE WHEN {sql} THEN 'true' ELSE 'false' END)"
        return sql  # text, and dates, which SQLite keeps as ISO text

    @staticmethod
    def partial_date(date, precision):
        return (
            f"CASE {precision} WHEN 'year' THEN substr({date}, 1, 4) WHEN 'month' THEN substr({date}, 1, 7) "
            f"ELSE {date} END"
        )

    @staticmethod
    def obj(pairs):
        return "json_object({})".format(", ".join(f"'{key}', {sql}" for key, sql in pairs))

    @staticmethod
    def nullable_obj(key_column, obj):
        return f"json(CASE WHEN {key_column} IS NULL THEN 'null' ELSE {obj} END)"

    @staticmethod
    def array_text(item, source, order):
        # The objects joined as text: json_group_array(json(item)) parsed each one again, which made the
        # page's statement twice as slow (1.4 ms against 0.7 ms for 50 agreements at 100,000).
        return (
            f"SELECT COALESCE('[' || group_concat(item, ',') || ']', '[]') "
            f"FROM (SELECT {item} AS item FROM {source} ORDER BY {order})"
        )

    @classmethod
    def nested_array(cls, item, source, order):
        return f"json(({cls.array_text(item, source, order)}))"


class PostgreSQL:
    """JSON written as text, compact and in the serializers' key order, byte for byte as SQLite's json_object
    writes it: each value by to_json, objects and arrays joined by hand. json_build_object and json_agg write
    `"key" : value, ` (5.5% more to store, decompress and send for a page of 50 at 100,000 agreements)."""

    vendor = "postgresql"

    @staticmethod
    def value(sql, kind):
        if kind == "decimal":
            sql = f"round({sql}, 2)::text"
        return f"COALESCE(to_json({sql})::text, 'null')"  # text, booleans and dates as the API writes them

    @classmethod
    def partial_date(cls, date, precision):
        return cls.value(
            f"CASE {precision} WHEN 'year' THEN to_char({date}, 'YYYY') WHEN 'month' THEN to_char({date}, 'YYYY-MM') "
            f"ELSE to_char({date}, 'YYYY-MM-DD') END",
            "text",
        )

    @staticmethod
    def obj(pairs):
        # Each value is JSON text, never NULL; a field computed when read is written null.
        parts = [f"'{'{' if index == 0 else ','}\"{key}\":'" for index, (key, _sql) in enumerate(pairs)]
        values = ["'null'" if sql == "NULL" else sql for _key, sql in pairs]
        return "(" + " || ".join(f"{part} || {value}" for part, value in zip(parts, values, strict=True)) + " || '}')"

    @staticmethod
    def nullable_obj(key_column, obj):
        return f"CASE WHEN {key_column} IS NULL THEN 'null' ELSE {obj} END"

    @staticmethod
    def array_text(item, source, order):
        return f"SELECT COALESCE('[' || string_agg({item}, ',' ORDER BY {order}) || ']', '[]') FROM {source}"

    @classmethod
    def nested_array(cls, item, source, order):
        return f"({cls.array_text(item, source, order)})"


DIALECTS = {"sqlite": SQLite, "postgresql": PostgreSQL}
KINDS = {"DecimalField": "decimal", "BooleanField": "boolean"}


@dataclass
class Level:
    """A table of child rows: its alias, and how to find the agreement ids of its rows."""

    table: str
    alias: str
    # The agreement id of a row of this table named `row` (NEW, OLD or an alias), as SQL.
    agreement_of: object
    # SELECT of agreement ids FROM this table (as `alias`) and its parents, to which a WHERE on `alias` is added.
    agreements_from: str


@dataclass
class Compiler:
    dialect: type
    language: str = content_language.DEFAULT  # a translated column is written as shown in this language
    aliases: int = 0
    levels: list = field(default_factory=list)  # every child table, at any depth
    shown: dict = field(default_factory=dict)  # shared table: (columns read, [agreement-id SELECTs])
    joined: dict = field(default_factory=dict)  # (alias, foreign key): (model, alias) joined for it
    shared: dict = field(default_factory=dict)  # alias of a joined shared row: its table

    def alias(self):
        self.aliases += 1
        return f"c{self.aliases}"

    def array(self, serializer, model, parent_alias, parent_level, nested):
        """The JSON array of the rows a `many=True` field of a serializer of `model` (at `parent_alias`) reads."""
        relation = model._meta.get_field(serializer.source)
        child_model = relation.related_model
        fk_column = relation.field.column
        table, alias = child_model._meta.db_table, self.alias()
        if parent_level is None:
            level = Level(
                table, alias, lambda row: f"{row}.{fk_column}", f"SELECT {alias}.{fk_column} FROM {table} {alias}"
            )
        else:
            up, parent_row = parent_level, f"p{alias}"
            level = Level(
                table,
                alias,
                lambda row: (
                    f"(SELECT {up.agreement_of(parent_row)} FROM {up.table} {parent_row} "
                    f"WHERE {parent_row}.id = {row}.{fk_column})"
                ),
                f"{up.agreements_from} JOIN {table} {alias} ON {alias}.{fk_column} = {up.alias}.id",
            )
        self.levels.append(level)
        joins = []
        item = self.object(serializer.child, child_model, alias, joins, level)
        order = self.ordering(child_model, alias, joins, level, skip=relation.field.name)
        source = f"{table} {alias}{''.join(joins)} WHERE {alias}.{fk_column} = {parent_alias}.id"
        if nested:
            return self.dialect.nested_array(item, source, order)
        return self.dialect.array_text(item, source, order)

    def object(self, serializer, model, alias, joins, level):
        read_time = getattr(getattr(serializer, "Meta", None), "read_time", {})
        pairs = []
        for name, child in serializer.fields.items():
            pairs.append((name, self.field(name, child, model, alias, joins, level, read_time)))
        return self.dialect.obj(pairs)

    def field(self, name, child, model, alias, joins, level, read_time):
        if isinstance(child, serializers.ListSerializer):
            return self.array(child, model, alias, level, nested=True)
        if name in read_time:
            return "NULL"
        if hasattr(child, "date_field") and hasattr(child, "precision_field"):  # PartialDateField
            return self.dialect.partial_date(
                f"{alias}.{model._meta.get_field(child.date_field).column}",
                f"{alias}.{model._meta.get_field(child.precision_field).column}",
            )
        *path, last = child.source.split(".")
        model, alias = self.follow(model, alias, path, joins, level)
        if isinstance(child, serializers.Serializer):
            target_model, target_alias = self.follow(model, alias, [last], joins, level)
            obj = self.object(child, target_model, target_alias, joins, level)
            if model._meta.get_field(last).null:
                return self.dialect.nullable_obj(f"{target_alias}.id", obj)
            return obj
        model_field = model._meta.get_field(last)
        self.read(alias, model_field)
        column = f"{alias}.{model_field.column}"
        if model_field.name in translated_fields(model):
            for code in content_language.OTHERS:
                self.read(alias, model._meta.get_field(f"{model_field.name}_{code}"))
            column = content_language.sql(column, self.language)
        return self.dialect.value(column, KINDS.get(model_field.get_internal_type(), "text"))

    def follow(self, model, alias, path, joins, level):
        """Join along foreign keys `path` from `model` (at `alias`), once each; the model and alias reached."""
        for name in path:
            if (alias, name) not in self.joined:
                if alias != level.alias:
                    raise NotImplementedError("An array may show a shared row one foreign key away, no further.")
                foreign_key = model._meta.get_field(name)
                target, target_alias = foreign_key.related_model, self.alias()
                joins.append(
                    f" LEFT JOIN {target._meta.db_table} {target_alias} "
                    f"ON {target_alias}.id = {alias}.{foreign_key.column}"
                )
                self.share(target, target_alias, level, f"{alias}.{foreign_key.column}")
                self.joined[alias, name] = (target, target_alias)
            model, alias = self.joined[alias, name]
        return model, alias

    def share(self, model, alias, level, key_sql):
        """A row shared by several agreements (an organisation, a source) that an array shows: an edit of
        what is shown of it must rewrite every agreement that shows it."""
        table = model._meta.db_table
        self.shown.setdefault(table, (set(), []))[1].append(f"{level.agreements_from} WHERE {key_sql} = NEW.id")
        self.shared[alias] = table

    def read(self, alias, model_field):
        """Note a column the arrays show of a shared row."""
        if alias in self.shared:
            self.shown[self.shared[alias]][0].add(model_field.column)

    def ordering(self, model, alias, joins, level, skip):
        """The child model's Meta.ordering (less the key to its parent), made total by the row id."""
        columns = []
        for name in [*model._meta.ordering, "id"]:
            descending = name.startswith("-")
            name = name.lstrip("-")
            if name in (skip, "pk"):
                name = "id" if name == "pk" else None
            if name is None:
                continue
            *path, last = name.split("__")
            target_model, target_alias = self.follow(model, alias, path, joins, level)
            model_field = target_model._meta.get_field(last)
            self.read(target_alias, model_field)
            column = f"{target_alias}.{model_field.column}"
            columns.append(f"{column} DESC" if descending else column)
        return ", ".join(dict.fromkeys(columns))


@dataclass(frozen=True)
class Compiled:
    arrays: dict  # column name: the array's SQL for the agreement OUTER_ID (text, with %% for %)
    levels: tuple  # every child table, with the agreement of its rows
    shown: dict  # shared table: (its columns the arrays show, the SELECT of agreements showing a row NEW)
    # array name: {language: its column}; an array showing translated text (parties' names, commitments)
    # has a column per language (`parties_ru`), written as shown in that language, fallbacks included.
    by_language: dict


@cache
def compile_arrays(vendor):
    """Every `many=True` field of AgreementSerializer, compiled for `vendor`, in every language."""
    from .api.serializers import AgreementSerializer

    fields = [
        (name, child)
        for name, child in AgreementSerializer().fields.items()
        if isinstance(child, serializers.ListSerializer)
    ]
    compilers = {code: Compiler(DIALECTS[vendor], code) for code in content_language.CODES}
    written = {
        code: {name: compiler.array(child, Agreement, OUTER, None, nested=False) for name, child in fields}
        for code, compiler in compilers.items()
    }
    english = written[content_language.DEFAULT]
    arrays, by_language = {}, {}
    for name, _ in fields:
        arrays[name] = english[name]
        by_language[name] = dict.fromkeys(content_language.CODES, name)
        for code in content_language.OTHERS:
            if written[code][name] != english[name]:
                arrays[f"{name}_{code}"] = written[code][name]
                by_language[name][code] = f"{name}_{code}"
    compiler = compilers[content_language.DEFAULT]
    shown = {table: (tuple(sorted(columns)), tuple(paths)) for table, (columns, paths) in compiler.shown.items()}
    return Compiled(arrays, tuple(compiler.levels), shown, by_language)


def columns():
    return tuple(compile_arrays("sqlite").arrays)


def page_arrays(vendor, language=content_language.DEFAULT):
    """{array name: (its column, its SQL)} in `language`, as the page's statement (run with parameters)
    embeds them."""
    compiled = compile_arrays(vendor)
    return {
        name: (columns[language], compiled.arrays[columns[language]]) for name, columns in compiled.by_language.items()
    }


def arrays(vendor):
    """The arrays' SQL for the agreement `OUTER_ID`, as statements without parameters run them."""
    # SQLite.value doubles % for the page's statement, which runs with parameters; these run without.
    return [sql.replace("%%", "%") for sql in compile_arrays(vendor).arrays.values()]


def write_sql(vendor, ids=None):
    """Write (or rewrite) the rows of the agreements whose ids `ids` selects (an expression or a subquery),
    or of every agreement."""
    select = f"SELECT {OUTER_ID}, {', '.join(f'({sql})' for sql in arrays(vendor))} FROM agreements_agreement"
    if ids is not None:
        select += f" WHERE {OUTER_ID} IN ({ids})"
    names = columns()
    listed = f"agreement_id, {', '.join(names)}"
    if vendor == "sqlite":
        return f"INSERT OR REPLACE INTO {TABLE} ({listed}) {select}"
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in names)
    return f"INSERT INTO {TABLE} ({listed}) {select} ON CONFLICT (agreement_id) DO UPDATE SET {updates}"


def short(table):
    return table.removeprefix("agreements_")


def sqlite_statements():
    compiled = compile_arrays("sqlite")
    statements = []
    for level in compiled.levels:
        old, new = level.agreement_of("OLD"), level.agreement_of("NEW")
        name = f"{TABLE}_{short(level.table)}"
        statements += [
            f"CREATE TRIGGER {name}_insert AFTER INSERT ON {level.table} FOR EACH ROW "
            f"BEGIN {write_sql('sqlite', new)}; END",
            f"CREATE TRIGGER {name}_update AFTER UPDATE ON {level.table} FOR EACH ROW "
            f"BEGIN {write_sql('sqlite', old)}; {write_sql('sqlite', new)}; END",
            # A row deleted with its parent (a commitment's updates) finds no parent: the parent's own
            # trigger, or the agreement's, rewrites the row.
            f"CREATE TRIGGER {name}_delete AFTER DELETE ON {level.table} FOR EACH ROW "
            f"BEGIN {write_sql('sqlite', old)}; END",
        ]
    for table, (shown_columns, paths) in compiled.shown.items():
        statements.append(
            f"CREATE TRIGGER {TABLE}_{short(table)} AFTER UPDATE OF {', '.join(shown_columns)} ON {table} "
            f"FOR EACH ROW BEGIN {write_sql('sqlite', ' UNION '.join(paths))}; END"
        )
    statements += [
        f"CREATE TRIGGER {TABLE}_agreement_insert AFTER INSERT ON agreements_agreement FOR EACH ROW "
        f"BEGIN {write_sql('sqlite', 'NEW.id')}; END",
        f"CREATE TRIGGER {TABLE}_agreement_delete AFTER DELETE ON agreements_agreement FOR EACH ROW "
        f"BEGIN DELETE FROM {TABLE} WHERE agreement_id = OLD.id; END",
    ]
    return statements


def sqlite_trigger_names():
    compiled = compile_arrays("sqlite")
    names = [f"{TABLE}_{short(level.table)}_{op}" for level in compiled.levels for op in ("insert", "update", "delete")]
    names += [f"{TABLE}_{short(table)}" for table in compiled.shown]
    return [*names, f"{TABLE}_agreement_insert", f"{TABLE}_agreement_delete"]


def pg_functions():
    """{name: (body, {table: events})}: the trigger functions and the tables they serve."""
    compiled = compile_arrays("postgresql")
    functions = {}
    for level in compiled.levels:
        functions[short(level.table)] = (
            f"""IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {write_sql("postgresql", level.agreement_of("OLD"))};
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {write_sql("postgresql", level.agreement_of("NEW"))};
    END IF;""",
            {level.table: "INSERT OR UPDATE OR DELETE"},
        )
    for table, (shown_columns, paths) in compiled.shown.items():
        functions[f"{short(table)}_shown"] = (
            f"{write_sql('postgresql', ' UNION '.join(paths))};",
            {table: f"UPDATE OF {', '.join(shown_columns)}"},
        )
    functions["agreement"] = (
        f"""IF TG_OP = 'DELETE' THEN
        DELETE FROM {TABLE} WHERE agreement_id = OLD.id;
    ELSE
        {write_sql("postgresql", "NEW.id")};
    END IF;""",
        {"agreements_agreement": "INSERT OR DELETE"},
    )
    # TRUNCATE fires no row trigger (Django's flush on PostgreSQL): empty the table, and the page computes
    # the arrays itself until the rows are written again.
    tables = [level.table for level in compiled.levels] + list(compiled.shown) + ["agreements_agreement"]
    functions["truncate"] = (f"DELETE FROM {TABLE};", dict.fromkeys(tables, "TRUNCATE"))
    return functions


def pg_trigger(name, table):
    return f"{TABLE}_{name}_{short(table)}"


def postgresql_statements():
    statements = []
    for name, (body, tables) in pg_functions().items():
        statements.append(
            f"CREATE OR REPLACE FUNCTION {TABLE}_{name}() RETURNS trigger AS $$\nBEGIN\n    {body}\n"
            "    RETURN NULL;\nEND\n$$ LANGUAGE plpgsql"
        )
        level = "STATEMENT" if name == "truncate" else "ROW"
        for table, events in tables.items():
            statements.append(
                f"CREATE TRIGGER {pg_trigger(name, table)} AFTER {events} ON {table} "
                f"FOR EACH {level} EXECUTE FUNCTION {TABLE}_{name}()"
            )
    return statements


# Triggers of earlier versions, dropped by uninstall() too (a migration from them replaces them).
FORMER_PG_FUNCTIONS = {"child": ("agreements_party", "agreements_commitment", "agreements_citation")}


def create_table(connection):
    """The table, empty; `install()` adds the triggers and writes its rows (agreements/derived.py).

    PostgreSQL compresses these values (a row of nine arrays passes its 2 kB threshold): with lz4 where the
    server has it, whose decompression cost a page of 50 less than the default pglz's."""
    with connection.cursor() as cursor:
        compression = ""
        if connection.vendor == "postgresql":
            cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
            row = cursor.fetchone()
            compression = " COMPRESSION lz4" if row and row[0] else ""
        listed = ", ".join(f"{name} text{compression} NOT NULL" for name in columns())
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(f"CREATE TABLE {TABLE} (agreement_id bigint NOT NULL PRIMARY KEY, {listed})")


def install(connection):
    """Create the triggers (replacing any) and write every agreement's row anew."""
    uninstall(connection)
    statements = {"sqlite": sqlite_statements, "postgresql": postgresql_statements}[connection.vendor]()
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    rebuild(connection)


def uninstall(connection):
    """Drop the triggers (for a bulk load or a migration, which then calls install())."""
    if connection.vendor == "postgresql":
        functions = {name: tables for name, (_, tables) in pg_functions().items()}
        functions.update({name: dict.fromkeys(tables) for name, tables in FORMER_PG_FUNCTIONS.items()})
        statements = [
            f"DROP TRIGGER IF EXISTS {pg_trigger(name, table)} ON {table}"
            for name, tables in functions.items()
            for table in tables
        ]
        statements += [f"DROP FUNCTION IF EXISTS {TABLE}_{name}()" for name in functions]
    else:
        statements = [f"DROP TRIGGER IF EXISTS {name}" for name in sqlite_trigger_names()]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def rebuild(connection):
    """Every agreement's row anew, from its children."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(write_sql(connection.vendor))


def stale(using="default"):
    """Ids of agreements whose row is missing or differs from a fresh computation (for the tests)."""
    connection = connections[using]
    names = columns()
    fresh = ", ".join(f"({sql})" for sql in arrays(connection.vendor))
    stored = ", ".join(f"c.{name}" for name in names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {OUTER_ID}, {fresh}, {stored} FROM agreements_agreement "
            f"LEFT JOIN {TABLE} c ON c.agreement_id = {OUTER_ID}"
        )
        rows = cursor.fetchall()
        cursor.execute(
            f"SELECT agreement_id FROM {TABLE} WHERE agreement_id NOT IN (SELECT id FROM agreements_agreement)"
        )
        orphans = [row[0] for row in cursor.fetchall()]
    width = len(names)
    return sorted([row[0] for row in rows if tuple(row[1 : 1 + width]) != tuple(row[1 + width :])] + orphans)
