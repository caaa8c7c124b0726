"""Addresses that never die: the slugs a record had before it was renamed, so that its old page, feed and API
address answer 301 to the new one (kzdeals/middleware.py: FormerAddressMiddleware)."""

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

__all__ = ["FormerSlug", "KeepsFormerSlugs", "SluggedKind"]


class SluggedKind(models.TextChoices):
    AGREEMENT = "agreement", _("agreement")
    ORGANIZATION = "organization", _("organisation")
    EVENT = "event", _("event")
    SECTOR = "sector", _("sector")


class FormerSlug(models.Model):
    """A slug that a record of `kind` once had; `record_id` is the record's primary key."""

    kind = models.CharField(max_length=12, choices=SluggedKind.choices)
    slug = models.SlugField(max_length=160)
    record_id = models.PositiveBigIntegerField()
    retired_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "slug"]
        verbose_name = _("former address")
        verbose_name_plural = _("former addresses")
        constraints = [
            # One record answers for an old address: the latest to have left it.
            models.UniqueConstraint(fields=["kind", "slug"], name="former_slug_unique_per_kind"),
            models.CheckConstraint(condition=models.Q(kind__in=SluggedKind.values), name="former_slug_kind_valid"),
        ]

    def __str__(self):
        return f"{self.kind}: {self.slug}"


class KeepsFormerSlugs(models.Model):
    """A record whose renames are remembered in its save path (admin, import, any code that saves it): the
    slug it was read with becomes a former slug of it when it is saved under another; a slug that is taken
    again (by this record or another of its kind) is no longer a former one. One query more per rename."""

    slug_kind = None  # a SluggedKind, set by each model

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_slug = instance.__dict__.get("slug")
        return instance

    def save(self, *args, **kwargs):
        adding = self._state.adding
        before = getattr(self, "_loaded_slug", None)
        if not adding and before is None and self.pk is not None:
            before = type(self)._default_manager.filter(pk=self.pk).values_list("slug", flat=True).first()
        renamed = before is not None and before != self.slug
        if not (adding or renamed):
            super().save(*args, **kwargs)
            return
        using = kwargs.get("using") or self._state.db or "default"
        with transaction.atomic(using=using):
            super().save(*args, **kwargs)
            former = FormerSlug.objects.using(using)
            former.filter(kind=self.slug_kind, slug=self.slug).delete()
            if renamed:
                former.update_or_create(kind=self.slug_kind, slug=before, defaults={"record_id": self.pk})
        self._loaded_slug = self.slug
