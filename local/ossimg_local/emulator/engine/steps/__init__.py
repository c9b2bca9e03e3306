"""One module per IMG action family; each step changes the canvas or is a no-op."""
