"""digit-py: DIGIT's building blocks for public service delivery, in Python."""

__version__ = "0.1.0"
