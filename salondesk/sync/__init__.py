"""The store's side of sync with head office (DESIGN.md §7, §13): ``link`` (enrolment),
``push`` (outbox -> head office), ``pull`` (catalogue changes), ``worker`` (background,
backoff with jitter), ``status`` (what the status bar shows). No Qt here."""
