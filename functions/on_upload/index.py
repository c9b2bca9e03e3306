"""FC entry points for on-upload image processing (handler ``index.handler``, initializer
``index.initialize``). Everything else lives in the ``ossimg`` package."""

from ossimg import on_upload


def initialize(context):  # noqa: ANN001, ANN201 - FC's runtime contract
    """Load the rules and connect to OSS once per instance."""
    on_upload.initialize(context)


def handler(event, context):  # noqa: ANN001, ANN201 - FC's runtime contract
    """Process one OSS upload event (bytes of JSON)."""
    return on_upload.handle(event, context)
