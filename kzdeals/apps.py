from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """The admin, on the site of kzdeals/admin.py."""

    default_site = "kzdeals.admin.AdminSite"
