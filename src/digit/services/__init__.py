"""Public services built from the blocks (PGR, ...)."""
