"""The anonymous rate, read when a request comes in rather than when DRF is imported.

DRF copies `DEFAULT_THROTTLE_RATES` into the throttle class at import, so a changed setting (a
test, a reloaded configuration) would otherwise be ignored.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle


class AnonThrottle(AnonRateThrottle):
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
