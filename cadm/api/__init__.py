"""The REST API (`/api/v1/`): same permissions as the pages (cadm.permissions), one JSON error
shape (errors.py), hashed tokens (django-rest-knox, models.ApiToken), Idempotency-Key on writes
(idempotency.py) and If-Match on updates (concurrency.py). A Django app of its own (label
`api`) so its migrations never race the core app's numbering."""
