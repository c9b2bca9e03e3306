"""The errors ossimg raises, by audience; each says what was wrong and where.

Only the CLI and the FC handler turn these into exit codes or log lines.
"""

from __future__ import annotations


class OssImgError(Exception):
    """Base of every error ossimg raises on purpose."""

    code = "OssImgError"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class EventError(OssImgError):
    """Raised when an incoming FC event is not an OSS event ossimg can read."""

    code = "InvalidEvent"

    def __init__(self, message: str, *, record: int | None = None, field: str | None = None) -> None:
        where = "".join([f"record {record}" if record is not None else "", f", field {field}" if field else ""]).lstrip(
            ", "
        )
        super().__init__(f"{where}: {message}" if where else message)
        self.record = record
        self.field = field


class OpError(OssImgError):
    """Raised when an IMG operation or parameter is unknown or out of OSS's range.

    ``ec`` is the OSS error code (``x-oss-ec``) OSS answers the same mistake with, when documented.
    """

    code = "InvalidArgument"

    def __init__(
        self,
        message: str,
        *,
        op: str,
        param: str | None = None,
        value: object = None,
        allowed: str | None = None,
        ec: str | None = None,
    ) -> None:
        super().__init__(message)
        self.op = op
        self.param = param
        self.value = value
        self.allowed = allowed
        self.ec = ec


class RuleError(OssImgError):
    """Raised when a rule file is invalid; ``location`` points into the file."""

    code = "InvalidRules"

    def __init__(self, message: str, *, source: str, location: str = "", line: int | None = None) -> None:
        at = f"{source}:{line}" if line is not None else source
        where = f"{at}: {location}: " if location else f"{at}: "
        super().__init__(where + message)
        self.source = source
        self.location = location
        self.line = line
        self.detail = message


class RuleFileError(OssImgError):
    """Raised when a rule file has one or more problems; all of them are in ``errors``."""

    code = "InvalidRules"

    def __init__(self, errors: list[RuleError]) -> None:
        count = f"{len(errors)} problem{'s' if len(errors) != 1 else ''}"
        super().__init__(f"{count} in the rules:\n" + "\n".join(f"  {e.message}" for e in errors))
        self.errors = errors


class ConfigError(OssImgError):
    """Raised when the function's settings (environment, credentials) are missing or invalid."""

    code = "InvalidConfig"


class OssCallError(OssImgError):
    """Raised when OSS answers a call with an error, or the call does not get an answer.

    ``transient`` says whether trying again later may succeed (throttling, 5xx, network).
    """

    def __init__(
        self,
        message: str,
        *,
        code: str,
        status: int,
        transient: bool,
        request_id: str = "",
        ec: str = "",
        bucket: str = "",
        key: str = "",
    ) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.transient = transient
        self.request_id = request_id
        self.ec = ec
        self.bucket = bucket
        self.key = key
