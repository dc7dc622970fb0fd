"""IOP Companion: the participant app and the clinic server it syncs with."""

__version__ = "0.1.0"
