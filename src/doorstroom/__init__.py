"""doorstroom: regional steering of sheltered housing for Dutch municipalities."""

__version__ = "0.1.0"
