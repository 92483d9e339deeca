"""WSGI entry point: `gunicorn wsgi:app`."""
from webapp import create_app, logs

logs.configure()
app = create_app()
