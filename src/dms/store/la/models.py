"""Models of the la area."""
