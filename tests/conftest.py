import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # A rate no test reaches by accident: the rate limit's own tests set theirs.
    settings.API_THROTTLE_ANON = "100000/minute"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def register(db):
    """The real dataset, loaded the way `make run` loads it."""
    call_command("loaddata", "register", verbosity=0)
