"""NetworkNodes Python driver: plans, renders and stitches Manim scenes in segments."""

