"""NetworkNodes Python driver: plans, renders and stitches Manim scenes in segments."""

__version__ = "0.1.0"
