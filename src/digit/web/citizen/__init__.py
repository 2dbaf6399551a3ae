"""The citizen app under `/digit-ui/citizen` (DIGIT-UI's paths, so the links the platform sends land here)."""

from __future__ import annotations

from digit.web.citizen import auth, complaints, home, payments

ROUTERS = (home.router, auth.router, complaints.router, payments.router)
