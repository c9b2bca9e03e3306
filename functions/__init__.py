"""FC functions: one folder each, deployed as the code folder FC runs (see ``ossimg build``).

A package only so the linters can check what handlers import; FC loads ``index.py`` by path.
"""
