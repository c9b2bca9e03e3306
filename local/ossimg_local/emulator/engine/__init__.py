"""The emulator's image engine: executes parsed IMG operations over real pixels with OSS semantics.

Knows nothing of HTTP; raises the emulator's OSS errors for images OSS would refuse.
"""

from .pipeline import Output, process

__all__ = ["Output", "process"]
