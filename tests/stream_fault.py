"""gunicorn configuration for tests/exports/test_stream_failures.py: in each worker, the exports' rows come
from the database as usual, and the database fails after the first three agreements."""

from django.db import OperationalError

ROWS_BEFORE_THE_FAULT = 3


def post_worker_init(worker):
    from agreements.exports import ocds, tabular

    real_iterate = tabular.iterate

    def failing_iterate(queryset):
        for position, item in enumerate(real_iterate(queryset)):
            if position == ROWS_BEFORE_THE_FAULT:
                raise OperationalError("server closed the connection unexpectedly")
            yield item

    tabular.iterate = ocds.iterate = failing_iterate
