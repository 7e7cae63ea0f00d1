"""``salondesk bench``: the performance suite of DESIGN.md §10 (Qt-free; the GUI is measured
as a separate process)."""
