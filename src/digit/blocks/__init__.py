"""DIGIT's building blocks, one package each (see kernel/blocks.py for what a package declares)."""
