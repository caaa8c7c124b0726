"""The two editorial roles: editors prepare records, publishers also put them before the public.

Migration 0002 creates the groups; a post_migrate hook keeps them complete afterwards (after a new
model, or a database flush in tests), so the roles never silently lose a permission.
"""

EDITABLE = [
    "agreement",
    "party",
    "commitment",
    "citation",
    "relation",
    "organization",
    "source",
    "event",
    "group",
    "sector",
    "statusentry",
    "commitmentupdate",
    "eventclaim",
    "organizationalias",
]
REMOVABLE_INLINES = [
    "party",
    "commitment",
    "citation",
    "relation",
    "statusentry",
    "commitmentupdate",
    "eventclaim",
    "organizationalias",
]
HISTORY = [
    "historicalagreement",
    "historicalparty",
    "historicalcommitment",
    "historicalstatusentry",
    "historicalcommitmentupdate",
]
PUBLISHER_EXTRA = ["publish_agreement", "delete_agreement", "delete_organization", "delete_source"]


def editor_codenames():
    codenames = {f"{action}_{model}" for model in EDITABLE for action in ("add", "change", "view")}
    codenames |= {f"delete_{model}" for model in REMOVABLE_INLINES}
    codenames |= {f"view_{model}" for model in HISTORY}
    return codenames


def sync_editorial_groups(group_model, permission_model):
    """Create the groups if missing and give them their permissions (adds only, never removes)."""
    permissions = permission_model.objects.filter(content_type__app_label="agreements")
    editor_perms = list(permissions.filter(codename__in=editor_codenames()))
    publisher_extra = list(permissions.filter(codename__in=PUBLISHER_EXTRA))
    editors, _ = group_model.objects.get_or_create(name="editors")
    editors.permissions.add(*editor_perms)
    publishers, _ = group_model.objects.get_or_create(name="publishers")
    publishers.permissions.add(*editor_perms, *publisher_extra)


def sync_after_migrate(sender, apps=None, **kwargs):
    if apps is None:  # `flush` sends post_migrate without the migration state
        from django.apps import apps
    sync_editorial_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))
