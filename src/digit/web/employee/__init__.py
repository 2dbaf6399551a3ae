"""The employee and administrator app under `/digit-ui/employee` (DIGIT-UI's paths): inbox, complaints,
counter collection, HRMS. Each page is a client of the platform's API with the employee's own token;
which screens a user reaches comes from the access gate's role-action data (`desk.py`)."""

from __future__ import annotations

from digit.kernel.platform import Platform
from digit.web.dashboards import pages as dashboards
from digit.web.employee import auth, collect, complaints, desk, hrms, inbox

ROUTERS = (auth.router, inbox.router, complaints.router, collect.router, hrms.router, dashboards.router)


def install(platform: Platform) -> None:
    """The employee pages' per-process state (menu sources, routes per roles) on the platform."""
    desk.install(platform)
