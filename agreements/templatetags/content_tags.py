"""Content in the page's language (PRODUCT.md, "Languages"): `{% content agreement "title" %}` writes the
text a translated field shows in the active language, and where it is a fallback (no Russian title yet,
say), wraps it in `<span lang="en">` so that screen readers and search engines read it in its real
language. `{% untranslated_notice %}`, after the content, says once a page that some text is not yet
translated. Both read the instance already loaded: no query per item."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext

from agreements import content_language

register = template.Library()

FLAG = "kzdeals_untranslated"


@register.simple_tag(takes_context=True)
def content(context, instance, field):
    value = getattr(instance, field, "")
    if value in (None, ""):
        return ""
    if not hasattr(instance, f"{field}_{content_language.DEFAULT}"):  # not a translated field
        return value
    page = content_language.active()
    shown = content_language.shown_language(instance, field, page)
    if shown == page:
        return value
    # The render's first state, which an included template (whose own state is isolated) shares.
    context.render_context.dicts[0][FLAG] = True
    return format_html('<span lang="{}">{}</span>', shown, value)


@register.simple_tag(takes_context=True)
def untranslated_notice(context):
    if not context.render_context.dicts[0].get(FLAG):
        return ""
    return format_html(
        '<p class="untranslated-notice">{}</p>',
        gettext("Some of this page's text is not yet translated: it is shown in its original language."),
    )


@register.simple_tag(takes_context=True)
def lang_of(context, instance, field):
    """` lang="en"` for an element whose text is `instance.<field>` shown as a fallback, else nothing."""
    page = content_language.active()
    shown = content_language.shown_language(instance, field, page)
    if shown == page or not getattr(instance, field, ""):
        return ""
    context.render_context.dicts[0][FLAG] = True
    return format_html(' lang="{}"', shown)
