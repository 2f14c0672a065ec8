"""Recording forms, one module per thing recorded: a driver and their names (drivers), a
licence grant or change (licences), a register decision and its later changes (entries), a
concern (s.5) and its reply (s.6) (concerns), an information request (s.3) and its answer
(information_requests).

Each is a forms.FormPage declaration (how it reads, checks and saves a form, and why: docs/
architecture.md, "Page forms are declared once"); its words are in the content catalogue.
"""

from __future__ import annotations

from licensing.pages.forms import routes
from licensing.pages.recording import concerns, drivers, entries, information_requests, licences

ROUTES = routes(drivers, licences, entries, concerns, information_requests)
