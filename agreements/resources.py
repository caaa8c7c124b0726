"""CSV/XLSX import and export of agreements (django-import-export).

An import never publishes: new rows are drafts and an existing row keeps its publication state, so
every imported record goes through review before the public sees it. Every row is validated like
an admin form (`full_clean`), and one bad row rolls the whole file back.
"""

from import_export import fields, resources, widgets

from .models import Agreement, Event, PublicationState, Sector


class SlugWidget(widgets.ForeignKeyWidget):
    """A foreign key given by slug; an unknown slug is a row error that names the slug."""

    def __init__(self, model, **kwargs):
        super().__init__(model, field="slug", **kwargs)

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row=row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(f"No {self.model._meta.verbose_name} with the slug {value!r}.") from None


class IsoDateWidget(widgets.DateWidget):
    """A date in ISO form; anything else is a row error that says what was expected."""

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row=row, **kwargs)
        except ValueError:
            raise ValueError(f"Enter a date as YYYY-MM-DD, not {value!r}.") from None


class AgreementResource(resources.ModelResource):
    signed_on = fields.Field(attribute="signed_on", column_name="signed_on", widget=IsoDateWidget())
    sector = fields.Field(attribute="sector", column_name="sector", widget=SlugWidget(Sector))
    event = fields.Field(attribute="event", column_name="event", widget=SlugWidget(Event))

    class Meta:
        model = Agreement
        fields = (
            "slug",
            "title",
            "kind",
            "status",
            "sector",
            "event",
            "signed_on",
            "signed_on_precision",
            "value_amount",
            "value_currency",
            "value_approximate",
            "value_basis",
            "summary",
            "places",
        )
        export_order = fields
        import_id_fields = ("slug",)
        clean_model_instances = True
        use_transactions = True
        skip_unchanged = True
        report_skipped = True

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs):
        # All or nothing: a file with one invalid row changes nothing, whoever calls the import.
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(
            dataset, dry_run=dry_run, raise_errors=raise_errors, use_transactions=use_transactions, **kwargs
        )

    def before_save_instance(self, instance, row, **kwargs):
        if instance._state.adding:
            instance.publication_state = PublicationState.DRAFT
