import pytest
from django.core.management import call_command
from django.utils import translation

from tests import servers
from tests.factories import staff_in


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, monkeypatch):
    # A request under /ru/ or /kk/ leaves its language active in the thread: each test starts in English.
    translation.activate(settings.LANGUAGE_CODE)
    # /healthz keeps its write probe's answer for a while in the process: each test starts without one.
    monkeypatch.setattr("kzdeals.views.last_write_probe", {"at": None, "ok": True})
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


@pytest.fixture(scope="session")
def server_env(tmp_path_factory):
    """The environment of a production server subprocess (tests/servers.py): static files collected once a run."""
    env = {"KZDEALS_TEST_STATIC_ROOT": str(tmp_path_factory.mktemp("static"))}
    servers.collect_static(env)
    return env


@pytest.fixture(scope="session")
def served_database(server_env, tmp_path_factory):
    """The URL of a database with the dataset and a superuser, for server subprocesses (once a run)."""
    with servers.database_for_servers(tmp_path_factory.mktemp("served")) as url:
        servers.prepare_database({**server_env, "DATABASE_URL": url})
        yield url


@pytest.fixture
def editor(db):
    """An editor: prepares records; a change to a published one waits for review (agreements/roles.py)."""
    return staff_in("editors", "editor")


@pytest.fixture
def publisher(db):
    """A publisher: also publishes, unpublishes and changes what the public sees."""
    return staff_in("publishers", "publisher")
