"""Dashboard pages of the employee app (`/digit-ui/employee/dss/...`): KPI cards, charts drawn as inline
SVG on the server (no script, no CDN), tables that drill down, CSV downloads; each a client of
`/dashboard-analytics/dashboard/*` with the employee's own token, so the API's tenant checks are the page's."""
