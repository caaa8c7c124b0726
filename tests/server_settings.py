"""The settings of the servers that tests start (tests/servers.py): production's, with static files collected
into the test's own folder rather than the project's."""

import os

from kzdeals.settings import *  # noqa: F403

STATIC_ROOT = os.environ["KZDEALS_TEST_STATIC_ROOT"]
