"""One exception class per OSS error code, with OSS's status and message.

The store and the engine raise these; the protocol layer renders them as OSS error XML
(or base64 in ``x-oss-err`` for HEAD, as OSS does).
"""

from __future__ import annotations


class OssError(Exception):
    """An error OSS reports to the client: ``code``, HTTP ``status`` and a message."""

    code = "InternalError"
    status = 500
    message = "We encountered an internal error. Please try again."
    # (name, value) pairs of the <AccessDeniedDetail> OSS adds to a RAM denial.
    detail: tuple[tuple[str, str], ...] = ()

    def __init__(self, message: str | None = None, *, ec: str | None = None, **resource: str) -> None:
        self.message = message or type(self).message
        self.ec = ec
        # Extra elements OSS adds to the error body, e.g. BucketName, Key, ArgumentName.
        self.resource = resource
        super().__init__(f"{self.code}: {self.message}")


class InvalidArgument(OssError):
    code, status = "InvalidArgument", 400
    message = "The argument is invalid."


class InvalidRequest(OssError):
    code, status = "InvalidRequest", 400
    message = "The request is invalid."


class BadRequest(OssError):
    code, status = "BadRequest", 400
    message = "The request is invalid."


class MissingArgument(OssError):
    code, status = "MissingArgument", 400
    message = "A required argument is missing."


class ImageTooLarge(OssError):
    code, status = "ImageTooLarge", 400
    message = "The image is too large to process."


class MemLimitExceeded(OssError):
    """IMG's refusal of an image it lacks the memory for (OSS's IMG FAQ names the code, not its
    status; 400 like its other image-limit errors)."""

    code, status = "MemLimitExceeded", 400
    message = "Processing the image needs more memory than is allowed."


class InvalidBucketName(OssError):
    code, status = "InvalidBucketName", 400
    message = "The specified bucket is not valid."


class InvalidObjectName(OssError):
    code, status = "InvalidObjectName", 400
    message = "The specified object is not valid."


class InvalidDigest(OssError):
    code, status = "InvalidDigest", 400
    message = "The Content-MD5 you specified was invalid."


class MalformedXML(OssError):
    code, status = "MalformedXML", 400
    message = "The XML you provided was not well-formed or did not validate against our published schema."


class InvalidPart(OssError):
    code, status = "InvalidPart", 400
    message = (
        "One or more of the specified parts could not be found or the specified entity tag "
        "might not have matched the part's entity tag."
    )


class InvalidPartOrder(OssError):
    code, status = "InvalidPartOrder", 400
    message = "The list of parts was not in ascending order. Parts list must specified in order by part number."


class EntityTooSmall(OssError):
    code, status = "EntityTooSmall", 400
    message = "Your proposed upload is smaller than the minimum allowed size."


class EntityTooLarge(OssError):
    code, status = "EntityTooLarge", 400
    message = "Your proposed upload exceeds the maximum allowed size."


class AccessDenied(OssError):
    code, status = "AccessDenied", 403
    message = "You have no right to access this object because of bucket acl."

    def __init__(
        self,
        message: str | None = None,
        *,
        ec: str | None = None,
        detail: tuple[tuple[str, str], ...] = (),
        **resource: str,
    ) -> None:
        super().__init__(message, ec=ec, **resource)
        self.detail = detail


class SignatureDoesNotMatch(OssError):
    code, status = "SignatureDoesNotMatch", 403
    message = (
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method."
    )


class InvalidAccessKeyId(OssError):
    code, status = "InvalidAccessKeyId", 403
    message = "The OSS Access Key Id you provided does not exist in our records."


class InvalidSecurityToken(OssError):
    code, status = "InvalidSecurityToken", 403
    message = "The security token you provided is invalid."


class SecurityTokenExpired(OssError):
    code, status = "SecurityTokenExpired", 403
    message = "The security token you provided has expired."


class RequestTimeTooSkewed(OssError):
    code, status = "RequestTimeTooSkewed", 403
    message = "The difference between the request time and the current time is too large."


class NoSuchBucket(OssError):
    code, status = "NoSuchBucket", 404
    message = "The specified bucket does not exist."


class NoSuchKey(OssError):
    code, status = "NoSuchKey", 404
    message = "The specified key does not exist."


class NoSuchUpload(OssError):
    code, status = "NoSuchUpload", 404
    message = (
        "The specified upload does not exist. The upload ID may be invalid, "
        "or the upload may have been aborted or completed."
    )


class NoSuchStyle(OssError):
    code, status = "NoSuchStyle", 404
    message = "The specified style does not exist."


class MethodNotAllowed(OssError):
    code, status = "MethodNotAllowed", 405
    message = "The specified method is not allowed against this resource."


class BucketAlreadyExists(OssError):
    code, status = "BucketAlreadyExists", 409
    message = (
        "The requested bucket name is not available. The bucket namespace is shared by all users "
        "of the system. Please select a different name and try again."
    )


class BucketNotEmpty(OssError):
    code, status = "BucketNotEmpty", 409
    message = "The bucket you tried to delete is not empty."


class FileAlreadyExists(OssError):
    code, status = "FileAlreadyExists", 409
    message = "The object you specified already exists and can not be overwritten."


class InvalidRange(OssError):
    code, status = "InvalidRange", 416
    message = "The requested range cannot be satisfied"


class PreconditionFailed(OssError):
    code, status = "PreconditionFailed", 412
    message = "At least one of the pre-conditions you specified did not hold."


class NotModified(OssError):
    """304: rendered without a body, as OSS does."""

    code, status = "NotModified", 304
    message = "Not Modified."


class NotImplementedByEmulator(OssError):
    """501: OSS has the call or feature, the emulator does not; answering 200 would claim it did."""

    code, status = "NotImplemented", 501
    message = "A header or query you provided implies functionality that is not implemented."
