"""gunicorn settings read from the working directory by every `gunicorn wsgi:app` we run.

gunicorn announces itself (`Server: gunicorn`) in every response and has no setting to
stop it; telling every client which server and version to probe helps nobody but them,
so the header is left out.
"""

from gunicorn.http import wsgi as _wsgi

_default_headers = _wsgi.Response.default_headers


def _without_server_banner(self):
    return [line for line in _default_headers(self) if not line.startswith("Server:")]


_wsgi.Response.default_headers = _without_server_banner
