"""SalonDesk: offline-first point of sale and member console for salons and clinics."""

__version__ = "0.1.0"
