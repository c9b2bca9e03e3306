"""Rules: which variants each uploaded key becomes (model, loading, key templates, matching)."""
