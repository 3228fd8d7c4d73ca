"""gunicorn entry point: `gunicorn wsgi:app`."""

from callcenter import create_app

app = create_app()
