"""ossimg: on-upload image processing for Alibaba Cloud OSS, run on Function Compute.

Deployed code. Importing this package is cheap on purpose: submodules load what they need
(pydantic for rules, oss2 for calls) only when used, because cold starts are paid on every burst.
"""

__version__ = "0.1.0"
