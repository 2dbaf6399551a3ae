"""Pages of the public services defined as data (Studio), for citizens and employees, made from each service's
definition at run time: no page here knows a service.

`common.py` (services, form definition, words, application, timeline, files through Studio's API), `forms.py`
(the apply form from `fields[]`/`documents[]`, read back, server errors put next to their inputs),
`citizen.py` (services, apply, my applications, an application), `employee.py` (an inbox per service, an
application and its actions, the menu's entries). Templates live in `templates/services/`.
"""

from __future__ import annotations

from digit.kernel.platform import Platform
from digit.web.employee.desk import EMPLOYEE_DESKS
from digit.web.services import citizen, employee

ROUTERS = (citizen.router, employee.router)


def install(platform: Platform) -> None:
    """Let the employee menu offer each service's inbox (after the employee pages' install)."""
    platform.get(EMPLOYEE_DESKS).add_menu_source(employee.menu)
