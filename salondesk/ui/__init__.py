"""The Qt layer: the only package that imports PySide6.

It shows and asks; every rule lives in the core (``salondesk.services``). Database and other
long work runs off the GUI thread through :mod:`salondesk.ui.ops`. Screens are built from
Designer forms in ``ui/*.ui`` (compiled into ``salondesk/ui/forms`` by
``scripts/build_forms.py``) or in code; every visible text goes through ``salondesk.i18n._``.
"""
