"""genlab's built-in model plugins, one package each, registered through the public hooks."""
