"""The content in three languages (django-modeltranslation): which fields have an English, a Russian and a
Kazakh column (`title_en`, `title_ru`, `title_kk`), and the rules that keep the register's SQL right.

- The original column (`title`) always holds the English text, whatever language is active when a record is
  saved: the raw SQL of the tally, the children arrays, the list's page and the search index reads it, and
  modeltranslation would otherwise write the active language's text through it (its descriptor answers
  `instance.title` in the active language, which is what Django saves): `_write_english` makes the
  original field save `title_en`, and `sync_original` keeps the instance's own copy equal to it.
- Lookups and ordering stay on the original column in every language: modeltranslation's managers would
  rewrite `order_by("title")` to `title_ru` (mostly empty, and none of the register's indexes), so the
  managers are restored to the register's own (`_keep_managers`). Slugs are the register's lookups; what
  a reader sees is chosen by `agreements.content_language`. For the same reason the indexes on `title` are not
  copied per language.
- The history (django-simple-history) of a translated model records every language: its historical model
  was made before the translation columns existed, so they are added to it here, and its original column
  is written in English like the record's.
"""

import types

from django.db import connections
from django.db.models.signals import pre_save
from django.utils.module_loading import import_string
from modeltranslation.translator import TranslationOptions, translator
from simple_history.signals import pre_create_historical_record

from .models import Agreement, Commitment, Event, Group, Organization, Sector

DEFAULT = "en"


class Options(TranslationOptions):
    # An empty translation is NULL ("not translated"): also keeps a unique name's translations unique.
    empty_values = None
    required_languages = (DEFAULT,)


FIELDS = {
    Agreement: ("title", "summary", "places"),
    Organization: ("name",),
    Event: ("name", "place"),
    Sector: ("name",),
    Group: ("name",),
    Commitment: ("description", "unit"),
}


def _register(model, fields):
    managers = [(manager, manager.__class__) for manager in model._meta.local_managers]
    default_class = model._default_manager.__class__
    indexes = list(model._meta.indexes)
    translator.register(model, type(f"{model.__name__}TranslationOptions", (Options,), {"fields": fields}))
    _keep_managers(model, managers, default_class)
    # modeltranslation copies every index on `title` per language: the register orders by the original.
    model._meta.indexes = indexes


def _keep_managers(model, managers, default_class):
    for manager, cls in managers:
        manager.__class__ = cls
    model._default_manager.__class__ = default_class


def _english_pre_save(field, instance, add):
    english = getattr(instance, f"{field.name}_{DEFAULT}")
    return field.get_default() if english is None else english


def _write_english(model, fields):
    """The original field saves the English column's value, whatever language the descriptor answers in."""
    for name in fields:
        field = model._meta.get_field(name)
        field.pre_save = types.MethodType(_english_pre_save, field)


def translated_fields(model):
    return FIELDS.get(model, ())


def sync_original(sender, instance, raw=False, **kwargs):
    """The original column is the English one, whichever language was active when it was set; the English
    column is never null (an empty English text is the field's default, as in the original column)."""
    for name in FIELDS[sender]:
        english = getattr(instance, f"{name}_{DEFAULT}")
        if english is None and raw:
            # A fixture or dump written before the translations: its original column is the English text.
            english = instance.__dict__.get(name)
        if english is None:
            english = sender._meta.get_field(name).get_default()
        setattr(instance, f"{name}_{DEFAULT}", english)
        instance.__dict__[name] = english


def english_from_original(using="default"):
    """`title_en` = `title` wherever it is null: for rows written by column (a bulk load), which fill the
    original columns only. The pages read `title_en`; the raw SQL reads `title`."""
    connection = connections[using]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model, fields in FIELDS.items():
            for name in fields:
                # SQL, not queryset.update(): modeltranslation's querysets rewrite F("title") to title_en.
                english, original = quote(f"{name}_{DEFAULT}"), quote(model._meta.get_field(name).column)
                cursor.execute(
                    f"UPDATE {quote(model._meta.db_table)} SET {english} = {original} WHERE {english} IS NULL"  # noqa: S608
                )


def _history_columns(model):
    """The translation columns on the model's historical model, as plain fields (no unique: many versions)."""
    history = model.history.model
    for name in FIELDS[model]:
        for field in model._meta.fields:
            if getattr(field, "translated_field", None) is not None and field.translated_field.name == name:
                _, path, args, kwargs = field.deconstruct()
                kwargs.pop("unique", None)
                kwargs.pop("db_index", None)
                copy = import_string(path)(*args, **kwargs)
                history.add_to_class(field.name, copy)
                # What bulk_history_create copies (agreements/changelog.py writes history rows in bulk).
                history.tracked_fields.append(field)


def history_in_english(sender, instance, history_instance, **kwargs):
    if type(instance) in FIELDS:
        for name in FIELDS[type(instance)]:
            setattr(history_instance, name, instance.__dict__.get(name))


for _model, _fields in FIELDS.items():
    _register(_model, _fields)
    _write_english(_model, _fields)
    pre_save.connect(sync_original, sender=_model, dispatch_uid=f"kzdeals-english-original-{_model.__name__}")
    if hasattr(_model, "history"):
        _history_columns(_model)
pre_create_historical_record.connect(history_in_english, dispatch_uid="kzdeals-history-in-english")
