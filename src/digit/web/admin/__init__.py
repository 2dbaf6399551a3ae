"""The administrator's screens in the employee app (DIGIT's workbench), under `/digit-ui/employee/workbench`:
MDMS v2 masters and their records in forms generated from each master's JSON schema (`masters.py`,
`fields.py`), a complaint type with its names in every language (`complaint_types.py`), localization
messages (`messages.py`), and a workflow business service drawn as a diagram (`workflow.py`). Same desk
as the employee screens: who sees which screen comes from the access gate's role-action data
(`digit.web.employee.desk`), and every read and write is a call to the platform's API with the
administrator's own token."""

from __future__ import annotations

from digit.web.admin import complaint_types, masters, messages, workflow

ROUTERS = (masters.router, complaint_types.router, messages.router, workflow.router)
