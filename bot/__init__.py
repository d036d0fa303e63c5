"""mythbot: busts myths about osteoarthritis, in Dutch and English."""

__version__ = "0.1.0"
