"""Who a request comes from: the address the API rate limit and the sign-in lockout count against."""

import ipaddress

from django.conf import settings


def client_address(request):
    """REMOTE_ADDR, or behind a proxy that overwrites X-Forwarded-For (settings.BEHIND_PROXY) that header.

    Anywhere else the header is the client's own to write: trusted, it would let a client choose the
    address its requests and failed sign-ins are counted against, and escape both limits. The last
    entry is taken, the one the nearest proxy wrote, so a proxy that appends rather than overwrites
    still gives the address it saw.
    """
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
        try:
            return str(ipaddress.ip_address(forwarded))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR", "")
