"""The two editorial roles: editors prepare records, publishers also put them before the public."""

from django.db import migrations

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
]
REMOVABLE_INLINES = ["party", "commitment", "citation", "relation"]
HISTORY = ["historicalagreement", "historicalparty", "historicalcommitment"]


def editor_codenames():
    codenames = {f"{action}_{model}" for model in EDITABLE for action in ("add", "change", "view")}
    codenames |= {f"delete_{model}" for model in REMOVABLE_INLINES}
    codenames |= {f"view_{model}" for model in HISTORY}
    return codenames


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("agreements")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editor_perms = list(
        Permission.objects.filter(content_type__app_label="agreements", codename__in=editor_codenames())
    )
    publisher_extra = list(
        Permission.objects.filter(
            content_type__app_label="agreements",
            codename__in=["publish_agreement", "delete_agreement", "delete_organization", "delete_source"],
        )
    )
    editors, _ = Group.objects.get_or_create(name="editors")
    editors.permissions.add(*editor_perms)
    publishers, _ = Group.objects.get_or_create(name="publishers")
    publishers.permissions.add(*editor_perms, *publisher_extra)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["editors", "publishers"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
