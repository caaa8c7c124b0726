"""JSON through orjson: the same output as DRF's renderer, in a fraction of the time."""

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_fallback = JSONEncoder()


class ORJSONRenderer(JSONRenderer):
    # orjson writes UTF-8; say so in Content-Type (DRF's JSONRenderer leaves the charset out).
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        # Anything orjson cannot write natively (Decimal, lazy strings, querysets) goes through DRF's encoder.
        return orjson.dumps(data, default=_fallback.default)
