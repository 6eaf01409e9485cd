"""OpenCIQ: an integrated platform for an entry-exit inspection and quarantine authority."""

__version__ = "0.1.0"
