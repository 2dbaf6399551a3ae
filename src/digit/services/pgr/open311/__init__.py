"""Open311 GeoReport v2 over PGR: `jurisdiction_id` is the city tenant, requests are PGR complaints.

Reads are public, as the standard has them, and show no personal data. Posting needs an `api_key`
issued by an administrator; the request is filed for the citizen named by `phone` (created if new).
Open311 is synchronous here: the answer to a POST carries the service_request_id (and the same value
as a token, so clients that poll /tokens/{token} work). `api.py` speaks the protocol, `service.py` holds the rules.
"""

from digit.services.pgr.open311.api import OPEN_ROUTES, router

__all__ = ["OPEN_ROUTES", "router"]
