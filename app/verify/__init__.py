"""The public verification page of issued documents: ``/verify/<code>`` (no login)."""
