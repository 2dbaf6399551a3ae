"""digit-py's own web UI: server-rendered HTML from the same process, a client of the platform's API.

Layout, as a block reads: `layout.py` (templates, the request's context, rendering), `sessions.py`
(session cookie holding the platform's opaque token, CSRF), `signin.py` (opening and closing a session, for
citizens and employees alike), `i18n.py` (locale and labels from
localization), `backend.py` (DIGIT's HTTP API called in-process), `landing.py` (`GET /`),
`citizen/` (the citizen app's pages), `employee/` (the employee app), `admin/` (its administrator
screens), `services/` (the configured services' pages), `templates/`, `static/` (every asset is served
from here: no CDN).

The pages are open routes for the kernel's access gate (they answer HTML, not DIGIT JSON); each page
authenticates the session cookie itself and calls the API with the citizen's own token, so the API's
access rules are the UI's.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from digit.kernel.platform import Platform
from digit.web import admin, citizen, employee, landing, services
from digit.web.layout import STATIC_DIR, STATIC_PREFIX

OPEN_ROUTES = ("/", "/digit-ui/citizen", "/digit-ui/citizen/*", "/digit-ui/employee", "/digit-ui/employee/*")


def install(app: FastAPI, platform: Platform) -> None:
    """Mount the landing page, the citizen and employee apps and the static assets; open their routes to the gate."""
    platform.settings.open_routes.extend(r for r in OPEN_ROUTES if r not in platform.settings.open_routes)
    app.include_router(landing.router)
    for router in (*citizen.ROUTERS, *employee.ROUTERS, *admin.ROUTERS, *services.ROUTERS):
        app.include_router(router)
    employee.install(platform)
    services.install(platform)
    app.mount(STATIC_PREFIX, StaticFiles(directory=STATIC_DIR), name="web-static")
