"""The head-office server: its own models and Alembic history (``models``, ``migrations``),
the HTTP-free work (``service``), the FastAPI app (``app``) and how it runs (``server``)."""
