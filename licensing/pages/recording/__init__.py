"""Recording forms, one module per thing recorded: a driver and their names (drivers), a
licence grant or change (licences), a register decision and its later changes (entries), a
concern (s.5) and its reply (s.6) (concerns), an information request (s.3) and its answer
(information_requests).

Each form is declared once (licensing.pages.fields) and served by a forms.FormPage: the
submission is read into the registry's own struct and handed to the registry function the
API calls, so the checks are the same; their errors land on the form's fields. Nothing is
written unless every check passes (forms.attempt). What the pages say is in the content
catalogue (licensing/pages/content/en.toml), a table per page; the modules hold what they do.
"""

from __future__ import annotations

from licensing.pages.forms import routes
from licensing.pages.recording import concerns, drivers, entries, information_requests, licences

ROUTES = routes(drivers, licences, entries, concerns, information_requests)
