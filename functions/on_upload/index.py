"""FC entry points for on-upload image processing (handler ``index.handler``, initializer
``index.initialize``). Everything else lives in the ``ossimg`` package."""

from ossimg import runtime


def initialize(context: runtime.FcContext) -> None:
    """Load the rules and connect to OSS once per instance."""
    runtime.initialize(context)


def handler(event: bytes, context: runtime.FcContext) -> str:
    """Process one OSS upload event (bytes of JSON)."""
    return runtime.handle(event, context)
