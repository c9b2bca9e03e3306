"""The on_upload function (``index.handler``, ``index.initialize``)."""
