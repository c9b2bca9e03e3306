"""Packaging functions as FC runs them, and applying template.yml to FC with aliyun-fc2."""
