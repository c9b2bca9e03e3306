"""OSS Image Processing (IMG): typed operations and the ``x-oss-process`` chain text."""
