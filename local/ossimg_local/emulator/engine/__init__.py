"""The emulator's image engine: executes parsed IMG operations over real pixels with OSS semantics.

Knows nothing of HTTP; raises the emulator's OSS errors for images OSS would refuse. ``prepare``
reads headers and plans (sizes and memory) before any pixel moves; ``Job.run`` moves them.
"""

from .pipeline import Job, Output, prepare, process

__all__ = ["Job", "Output", "prepare", "process"]
