"""FC entry points for on-upload image processing (handler ``index.handler``, initializer
``index.initialize``). Everything else lives in the ``ossimg`` package."""

from ossimg import on_upload


def initialize(context):
    """Load the rules and connect to OSS once per instance."""
    on_upload.initialize(context)


def handler(event, context):
    """Process one OSS upload event (bytes of JSON)."""
    return on_upload.handle(event, context)
