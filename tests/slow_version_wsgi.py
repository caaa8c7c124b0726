"""The register as gunicorn serves it, with a pause after each read of a record's version: two saves sent at
once from the same version then both read it before either writes, unless the check and the write are one
atomic step (agreements/locking.py). For tests/test_locking.py only."""

import importlib
import time

from kzdeals.wsgi import application  # noqa: F401 - what gunicorn serves; sets Django up

PAUSE = 0.5
locking = importlib.import_module("agreements.locking")  # once the apps are ready (kzdeals.wsgi above)
read_version = locking.version_of


def version_read_slowly(model, pk):
    version = read_version(model, pk)
    time.sleep(PAUSE)
    return version


locking.version_of = version_read_slowly
