"""``ossimg backfill`` and ``ossimg prune``: the variants of objects already stored, and the ones whose
source or rule is gone."""
