"""Building blocks shared by the built-in models (networks and training algorithms)."""
