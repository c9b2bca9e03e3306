"""A local OSS that the unmodified oss2 SDK talks to over HTTP.

Layers (moto's split): ``routes``/``api``/``auth``/``wire`` speak HTTP; ``store`` owns buckets and
objects on disk; ``engine`` turns pixels. Only the protocol layer knows about requests.
"""
