"""Comparing `dumpdata` output across a dump / flush / load round trip.

Django's JSON serializer writes a time to the millisecond, and leaves the fraction out when it is zero: a
time of 14:30:16.000412 is dumped as `14:30:16.000`, loaded as 14:30:16 and dumped again as `14:30:16`. The
same instant, written two ways; about one time in a thousand is such a time. Compared as instants, a round
trip gives back exactly what it dumped.
"""

import re

from django.utils.dateparse import parse_datetime

DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")


def as_instants(data):
    """`data` (parsed JSON) with every date-time string read as the instant it names."""
    if isinstance(data, dict):
        return {key: as_instants(value) for key, value in data.items()}
    if isinstance(data, list):
        return [as_instants(value) for value in data]
    if isinstance(data, str) and DATETIME.match(data):
        return parse_datetime(data)
    return data
