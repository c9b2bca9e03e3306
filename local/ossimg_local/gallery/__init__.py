"""The gallery: each source beside its variants, as a written page (demo, try) or live (up)."""
