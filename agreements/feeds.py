"""Atom feeds of newly published agreements (all of them, per organisation and per sector) and of the
public change log (all published changes, and one record's)."""

from urllib.parse import urlencode

from django.contrib.syndication.views import Feed
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from . import links
from .change_words import describe, published_changes
from .models import Agreement, Organization, Party, Sector
from .templatetags.register_tags import format_money
from .validators import conditional

FEED_SIZE = 50


class TextSummaryAtom1Feed(Atom1Feed):
    """Atom whose entry summaries are plain text (`type="text"`).

    Django writes the summary as `type="html"`, escaped once for XML, so a reader decodes an editor's
    `<img onerror=...>` into markup and builds it. Every text of these feeds (titles, summaries,
    categories) is plain text; nothing is sent as HTML.
    """

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, {**item, "description": None})
        if item["description"] is not None:
            handler.addQuickElement("summary", item["description"], {"type": "text"})


class ConditionalFeed(Feed):
    """A feed with the register's validators (agreements/validators.py): ETag and Last-Modified on every
    answer, and a 304 for a reader whose copy is current, answered before any item is read."""

    def __call__(self, request, *args, **kwargs):
        return conditional(super().__call__)(request, *args, **kwargs)


class LatestAgreementsFeed(ConditionalFeed):
    feed_type = TextSummaryAtom1Feed
    author_name = "kzdeals"

    def title(self, obj=None):
        return _("kzdeals: newly published agreements")

    def subtitle(self, obj=None):
        return _("Agreements between Kazakhstan and the United States, newest published first.")

    # Links and ids are absolute on SITE_URL: Django would otherwise complete them with the request's Host.
    def link(self, obj=None):
        return links.absolute_url(reverse("agreements:agreement-list"))

    def feed_url(self, obj=None):
        return links.absolute_url(reverse("agreements:feed"))

    def item_link(self, item):
        return links.absolute_url(item.get_absolute_url())

    def agreements(self, obj):
        return Agreement.objects.public().select_related("sector", "group")

    def items(self, obj=None):
        return self.agreements(obj).order_by("-published_at", "title")[:FEED_SIZE]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        parts = [item.get_kind_display(), item.get_status_display(), item.sector.name]
        if item.group_id:
            parts.append(
                _("shared: %(value)s (%(group)s)")
                % {
                    "value": format_money(item.group.amount, item.group.currency, item.group.approximate),
                    "group": item.group.name,
                }
            )
        elif item.value_amount is not None:
            parts.append(format_money(item.value_amount, item.value_currency, item.value_approximate))
        if item.is_stale:
            parts.append(_("stale: not checked against its sources lately"))
        text = " · ".join(parts)
        return f"{text}. {item.summary}" if item.summary else text

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [item.sector.name]


class OrganizationFeed(LatestAgreementsFeed):
    def get_object(self, request, slug):
        organization = get_object_or_404(Organization, slug=slug)
        if not self.agreements(organization).exists():
            raise Http404(_("No published agreement names this organisation."))
        return organization

    def title(self, obj=None):
        return _("kzdeals: agreements of %(name)s") % {"name": obj.name}

    def link(self, obj=None):
        return links.absolute_url(obj.get_absolute_url())

    def feed_url(self, obj=None):
        return links.absolute_url(reverse("agreements:organization-feed", args=[obj.slug]))

    def agreements(self, obj):
        return super().agreements(obj).filter(Exists(Party.objects.filter(agreement=OuterRef("pk"), organization=obj)))


class SectorFeed(LatestAgreementsFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Sector, slug=slug)

    def title(self, obj=None):
        return _("kzdeals: agreements in %(name)s") % {"name": obj.name}

    def link(self, obj=None):
        return links.absolute_url(obj.get_absolute_url())

    def feed_url(self, obj=None):
        return links.absolute_url(reverse("agreements:sector-feed", args=[obj.slug]))

    def agreements(self, obj):
        return super().agreements(obj).filter(sector=obj)


class ChangesFeed(ConditionalFeed):
    """The public change log, newest first: each published version of a public record, its changes in
    words as plain text (never an editor's name: the log holds none)."""

    feed_type = TextSummaryAtom1Feed
    author_name = "kzdeals"
    item_guid_is_permalink = False

    def title(self, obj=None):
        return _("kzdeals: changes to published records")

    def subtitle(self, obj=None):
        return _("Every change to a published record of the register, field by field, newest first.")

    def link(self, obj=None):
        return links.absolute_url(reverse("agreements:changes"))

    def feed_url(self, obj=None):
        return links.absolute_url(reverse("agreements:changes-feed"))

    def items(self, obj=None):
        return describe(published_changes(obj)[:FEED_SIZE])

    def item_title(self, entry):
        return entry.agreement.title

    def item_description(self, entry):
        return entry.as_text()

    def item_link(self, entry):
        return links.absolute_url(entry.agreement.get_absolute_url())

    def item_guid(self, entry):
        # The record's link is shared by all its versions: each version needs an id of its own.
        return links.absolute_url(f"{reverse('agreements:changes')}#version-{entry.version.pk}")

    def item_pubdate(self, entry):
        return entry.at

    def item_updateddate(self, entry):
        return entry.at


class AgreementChangesFeed(ChangesFeed):
    """One public record's published changes; a 404 for a record the public cannot see."""

    def get_object(self, request, slug):
        return get_object_or_404(Agreement.objects.public(), slug=slug)

    def title(self, obj=None):
        return _("kzdeals: changes to %(title)s") % {"title": obj.title}

    def subtitle(self, obj=None):
        return _("Every change to this published record, field by field, newest first.")

    def link(self, obj=None):
        return links.absolute_url(f"{reverse('agreements:changes')}?{urlencode({'agreement': obj.slug})}")

    def feed_url(self, obj=None):
        return links.absolute_url(reverse("agreements:agreement-feed", args=[obj.slug]))
