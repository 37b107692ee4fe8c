"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi ...``."""

from app import create_app
from app.core.memory import settle

app = create_app()
settle(app)  # the serving process's long-lived objects set aside from full collections (app/core/memory.py)
