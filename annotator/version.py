"""The version this copy of annotator reports (exports, backups, the API document), in a module of its own so
every layer can read it without importing the app factory."""

__version__ = "0.1.0"
