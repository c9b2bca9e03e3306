"""Who sent a request: V1 and V4 signatures in headers or presigned URLs, STS tokens, clock skew.

The algorithms are OSS's (see the oss2 SDK's ``auth.py``); a request is either signed by a known
key, or anonymous. What the key (or an anonymous caller) may then do is ``permissions``' business:
the account's own key may do anything, an STS key issued for a role only what the role's policy allows.

A signature is checked whole, as OSS checks it (the EC pages cited at each refusal): the V4 scope's
date, region (the bucket's) and product; the body against ``x-oss-content-sha256`` when that is a
digest rather than ``UNSIGNED-PAYLOAD``; a presigned V4 URL's validity (1 to 604,800 seconds, not
before ``x-oss-date`` less 15 minutes, not after it plus ``x-oss-expires``); and dates in the one
format each scheme uses (V1: an RFC 1123 date in GMT; V4: ``YYYYMMDDTHHMMSSZ``).
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from ..ram import Policy
from . import errors
from .wire import Request, Sha256CheckedBody, ascii_int

MAX_SKEW_SECONDS = 15 * 60
# The validity a presigned V4 URL may ask for (x-oss-expires), in seconds (OSS EC 0002-00000232).
MAX_PRESIGN_SECONDS = 7 * 24 * 3600
V4_PRODUCT = "oss"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")
_V4_STAMP = re.compile(r"[0-9]{8}T[0-9]{6}Z")
# RFC 1123 in GMT, the form RFC 9110 requires of a sender and both SDKs send; OSS refuses a Date it
# cannot read (0002-00000503), and a date without its zone is not one it can place in time.
_HTTP_DATE = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT"
)

# Query names that take part in a V1 signature (oss2 ``ProviderAuth._subresource_key_set``).
V1_SUBRESOURCES = frozenset(
    """
response-content-type response-content-language response-cache-control logging response-content-encoding acl
uploadId uploads partNumber group link delete website location objectInfo objectMeta response-expires
response-content-disposition cors lifecycle restore qos referer stat bucketInfo append position
security-token live comp status vod startTime endTime x-oss-process symlink callback callback-var tagging
encryption versions versioning versionId policy requestPayment x-oss-traffic-limit qosInfo asyncFetch
x-oss-request-payer sequential inventory inventoryId continuation-token worm wormId wormExtend replication
replicationLocation replicationProgress transferAcceleration cname metaQuery x-oss-ac-source-ip
x-oss-ac-subnet-mask x-oss-ac-vpc-id x-oss-ac-forward-allow resourceGroup style styleName
x-oss-async-process regionList x-oss-write-get-object-response bucketArchiveDirectRead httpsConfig
redundancyTransition x-oss-target-redundancy-type x-oss-redundancy-transition-taskid accessPoint
accessPointPolicy publicAccessBlock x-oss-access-point-name requesterQosInfo qosRequester resourcePoolInfo
resourcePool resourcePoolBuckets
""".split()
)
V4_ALGORITHM = "OSS4-HMAC-SHA256"
V4_DEFAULT_SIGNED = ("content-type", "content-md5")


@dataclass(frozen=True)
class Credential:
    """An access key; STS keys also carry a token, an expiry and, when issued for a role, its policy."""

    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: str | None = field(default=None, repr=False)
    expires_at: float | None = None
    # None: full access (the account's own key, or an STS key minted without a role).
    policy: Policy | None = field(default=None, repr=False, compare=False)


class Keyring:
    """The account's permanent key plus the STS keys issued so far."""

    def __init__(self, access_key_id: str, access_key_secret: str) -> None:
        self.root = Credential(access_key_id, access_key_secret)
        self._keys = {access_key_id: self.root}
        self._lock = threading.Lock()

    def issue_sts(self, ttl_seconds: float = 3600, policy: Policy | None = None) -> Credential:
        """Mint a temporary key as STS AssumeRole does: limited to ``policy`` (the role's policies, as
        ``Policy.from_documents`` reads them), or with full access to this account when there is none."""
        cred = Credential(
            "STS." + secrets.token_hex(10),
            secrets.token_urlsafe(24),
            secrets.token_urlsafe(48),
            time.time() + ttl_seconds,
            policy,
        )
        with self._lock:
            self._keys[cred.access_key_id] = cred
        return cred

    def find(self, access_key_id: str) -> Credential:
        """The credential for ``access_key_id``. Raises InvalidAccessKeyId."""
        try:
            return self._keys[access_key_id]
        except KeyError:
            raise errors.InvalidAccessKeyId(OSSAccessKeyId=access_key_id) from None


def authenticate(request: Request, keyring: Keyring, region: str, now: float | None = None) -> Credential | None:
    """The credential that signed ``request``, or None if it is anonymous. ``region`` is the one a V4
    signature must name: the bucket's.

    Raises SignatureDoesNotMatch, InvalidAccessKeyId, RequestTimeTooSkewed, AccessDenied (bad date,
    expired URL), InvalidArgument (malformed V4 credential or payload hash), InvalidSecurityToken,
    SecurityTokenExpired. A V4 request whose body does not match its signed SHA-256 fails when the
    body is read.
    """
    now = time.time() if now is None else now
    authorization = request.headers.get("authorization", "")
    query = request.query
    if authorization.startswith("OSS "):
        return _verify_v1_header(request, keyring, authorization, now)
    if authorization.startswith(V4_ALGORITHM):
        fields = _parse_v4_header(authorization)
        return _verify_v4(request, keyring, fields, region, now, presigned=False)
    if "Signature" in query and "OSSAccessKeyId" in query:
        return _verify_v1_url(request, keyring, now)
    if query.get("x-oss-signature-version") == V4_ALGORITHM:
        fields = {
            "Credential": query.get("x-oss-credential", ""),
            "Signature": query.get("x-oss-signature", ""),
            "AdditionalHeaders": query.get("x-oss-additional-headers", ""),
        }
        return _verify_v4(request, keyring, fields, region, now, presigned=True)
    if authorization:
        raise errors.InvalidArgument("Authorization header is invalid.", ArgumentName="Authorization")
    return None


# -- V1 ---------------------------------------------------------------------------------------


def v1_string_to_sign(request: Request, date: str) -> str:
    """VERB, Content-MD5, Content-Type, Date, x-oss-* headers, then the resource."""
    oss_headers = sorted((k, v) for k, v in request.headers.items() if k.startswith("x-oss-"))
    return "\n".join(
        [
            request.method,
            request.headers.get("content-md5", ""),
            request.headers.get("content-type", ""),
            date,
            "".join(f"{k}:{v}\n" for k, v in oss_headers) + v1_resource(request),
        ]
    )


def v1_resource(request: Request) -> str:
    """``/bucket/key?sub&sub=value`` with raw values, sub-resources sorted by name."""
    path = f"/{request.bucket}/{request.key}" if request.bucket else "/"
    subs = sorted((k, v) for k, v in request.query.items() if k in V1_SUBRESOURCES)
    if not subs:
        return path
    return path + "?" + "&".join(f"{k}={v}" if v else k for k, v in subs)


def _sign_v1(secret: str, string_to_sign: str) -> str:
    mac = hmac.new(secret.encode(), string_to_sign.encode("utf-8", "surrogateescape"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def _verify_v1_header(request: Request, keyring: Keyring, authorization: str, now: float) -> Credential:
    access_key_id, _, signature = authorization[4:].rpartition(":")
    cred = keyring.find(access_key_id.strip())
    date = request.headers.get("x-oss-date") or request.headers.get("date", "")
    sent = _parse_gmt_date(date)
    if sent is None:
        raise errors.AccessDenied("OSS authentication requires a valid Date.", ec="0002-00000503")
    if abs(now - sent) > MAX_SKEW_SECONDS:
        raise errors.RequestTimeTooSkewed(RequestTime=date, ServerTime=time.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
    token = request.headers.get("x-oss-security-token") or request.headers.get("security-token")
    _check_token(cred, token, now)
    _compare(cred, signature, v1_string_to_sign(request, date), _sign_v1)
    return cred


def _verify_v1_url(request: Request, keyring: Keyring, now: float) -> Credential:
    query = request.query
    cred = keyring.find(query["OSSAccessKeyId"])
    expires = query.get("Expires", "")
    until = ascii_int(expires)
    if until is None:
        raise errors.AccessDenied("Invalid Expires argument.", ec="0002-00000070", Expires=expires)
    if until < now:
        raise errors.AccessDenied("Request has expired.", ec="0002-00000069", Expires=expires)
    _check_token(cred, query.get("security-token"), now)
    _compare(cred, query["Signature"], v1_string_to_sign(request, expires), _sign_v1)
    return cred


# -- V4 ---------------------------------------------------------------------------------------


def _parse_v4_header(authorization: str) -> dict[str, str]:
    fields = {}
    for item in authorization[len(V4_ALGORITHM) :].split(","):
        name, _, value = item.strip().partition("=")
        fields[name] = value
    return fields


def v4_uri_encode(text: str, keep_slash: bool) -> str:
    """Percent-encode all but ``A-Z a-z 0-9 _ - ~ .`` (and ``/`` when asked)."""
    return quote(text.encode("utf-8", "surrogateescape"), safe="/-_.~" if keep_slash else "-_.~")


def v4_canonical_request(request: Request, additional: list[str], presigned: bool) -> str:
    """The canonical request OSS hashes into a V4 signature."""
    path = f"/{request.bucket}/{request.key}" if request.bucket else "/"
    params = sorted(
        (v4_uri_encode(k, False), v4_uri_encode(v, False))
        for k, v in request.query.items()
        if not (presigned and k == "x-oss-signature")
    )
    signed = {"x-oss-content-sha256"} if not presigned else set()
    headers = sorted(
        (k, v)
        for k, v in request.headers.items()
        if k.startswith("x-oss-") or k in V4_DEFAULT_SIGNED or k in additional or k in signed
    )
    payload = request.headers.get("x-oss-content-sha256", "UNSIGNED-PAYLOAD")
    return "\n".join(
        [
            request.method,
            v4_uri_encode(path, True),
            "&".join(f"{k}={v}" if v else k for k, v in params),
            "".join(f"{k}:{v}\n" for k, v in headers),
            ";".join(sorted(additional)),
            payload,
        ]
    )


def _verify_v4(
    request: Request, keyring: Keyring, fields: dict[str, str], region: str, now: float, *, presigned: bool
) -> Credential:
    access_key_id, _, scope = fields.get("Credential", "").partition("/")
    date, signed_region, product = _check_scope(scope, region, presigned)
    cred = keyring.find(access_key_id)
    stamp = (request.query.get("x-oss-date") if presigned else request.headers.get("x-oss-date")) or ""
    signed_at = _parse_v4_date(stamp)
    if signed_at is None or stamp[:8] != date:
        raise errors.AccessDenied("Invalid x-oss-date.", ArgumentValue=stamp)
    if presigned:
        _check_validity(request.query.get("x-oss-expires", ""), signed_at, now)
        token = request.query.get("x-oss-security-token")
    else:
        if abs(now - signed_at) > MAX_SKEW_SECONDS:
            raise errors.RequestTimeTooSkewed(RequestTime=stamp)
        token = request.headers.get("x-oss-security-token")
    payload = UNSIGNED_PAYLOAD if presigned else _payload_hash(request)
    _check_token(cred, token, now)
    additional = [h for h in fields.get("AdditionalHeaders", "").split(";") if h]
    canonical = v4_canonical_request(request, additional, presigned)
    string_to_sign = "\n".join(
        [V4_ALGORITHM, stamp, scope, hashlib.sha256(canonical.encode("utf-8", "surrogateescape")).hexdigest()]
    )

    def sign(secret: str, text: str) -> str:
        key = ("aliyun_v4" + secret).encode()
        for part in (date, signed_region, product, "aliyun_v4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()

    _compare(cred, fields.get("Signature", ""), string_to_sign, sign)
    if payload != UNSIGNED_PAYLOAD:
        request.body = Sha256CheckedBody(request.body, payload.lower(), request.content_length)
    return cred


def _check_scope(scope: str, region: str, presigned: bool) -> tuple[str, str, str]:
    """``(date, region, product)`` of ``date/region/oss/aliyun_v4_request``, the region the bucket's.

    OSS's texts and ECs: oss2's tests/test_sign.py; help.aliyun.com 0002-00000213/224/226/227/228. OSS
    has no page for a presigned URL's product; that is read as a malformed x-oss-credential (224).
    Raises InvalidArgument.
    """
    date, signed_region, product, terminator = [*scope.split("/"), "", "", ""][:4]
    where = "x-oss-credential" if presigned else "Authorization header"
    if terminator != "aliyun_v4_request" or not product or scope.count("/") != 3:
        raise errors.InvalidArgument(
            f"Invalid credential in {where}.",
            ec="0002-00000224" if presigned else "0002-00000213",
            ArgumentName="Credential",
        )
    if product != V4_PRODUCT:
        raise errors.InvalidArgument(
            f"The signing product in credential is invalid: {product}.",
            ec="0002-00000224" if presigned else "0002-00000227",
            ArgumentName="Credential",
        )
    if signed_region != region:
        raise errors.InvalidArgument(
            "The signing region in credential is invalid.",
            ec="0002-00000226" if presigned else "0002-00000228",
            ArgumentName="Credential",
            ArgumentValue=signed_region,
        )
    return date, signed_region, product


def _payload_hash(request: Request) -> str:
    """``x-oss-content-sha256``: UNSIGNED-PAYLOAD (the default when absent) or a hex SHA-256."""
    payload = request.headers.get("x-oss-content-sha256", UNSIGNED_PAYLOAD)
    if payload != UNSIGNED_PAYLOAD and not _SHA256_HEX.fullmatch(payload):
        raise errors.InvalidArgument(
            "x-oss-content-sha256 must be UNSIGNED-PAYLOAD or the SHA-256 of the body in hex.",
            ec="0002-00000214",
            ArgumentName="x-oss-content-sha256",
            ArgumentValue=payload,
        )
    return payload


def _check_validity(expires: str, signed_at: float, now: float) -> None:
    """A presigned V4 URL is valid from ``x-oss-date`` (less 15 minutes for clocks) for ``x-oss-expires``
    seconds, 1 to 604,800 (help.aliyun.com 0002-00000232/235/236). Raises AccessDenied."""
    seconds = ascii_int(expires)
    if seconds is None or not 1 <= seconds <= MAX_PRESIGN_SECONDS:
        raise errors.AccessDenied(
            f"x-oss-expires must be an integer between 1 and {MAX_PRESIGN_SECONDS}.",
            ec="0002-00000232",
            Expires=expires,
        )
    if now < signed_at - MAX_SKEW_SECONDS:
        raise errors.AccessDenied("Request is not valid yet.", ec="0002-00000235", Expires=expires)
    if now > signed_at + seconds:
        raise errors.AccessDenied("Request has expired.", ec="0002-00000236", Expires=expires)


def _parse_v4_date(stamp: str) -> float | None:
    if not _V4_STAMP.fullmatch(stamp):
        return None
    try:
        return float(calendar.timegm(time.strptime(stamp, "%Y%m%dT%H%M%SZ")))
    except ValueError:  # digits in the right places that name no time, e.g. month 13
        return None


def _parse_gmt_date(value: str) -> float | None:
    if not _HTTP_DATE.fullmatch(value):
        return None
    try:
        return float(calendar.timegm(time.strptime(value, "%a, %d %b %Y %H:%M:%S GMT")))
    except ValueError:
        return None


# -- shared -----------------------------------------------------------------------------------


def _check_token(cred: Credential, token: str | None, now: float) -> None:
    if cred.security_token is None:
        return
    if token != cred.security_token:
        raise errors.InvalidSecurityToken()
    if cred.expires_at is not None and cred.expires_at < now:
        raise errors.SecurityTokenExpired()


def _compare(cred: Credential, provided: str, string_to_sign: str, sign: Callable[[str, str], str]) -> None:
    expected = sign(cred.access_key_secret, string_to_sign)
    # As bytes: compare_digest refuses str with anything but ASCII in it, and a forger may send anything.
    if not hmac.compare_digest(expected.encode(), provided.strip().encode("utf-8", "surrogateescape")):
        raise errors.SignatureDoesNotMatch(
            StringToSign=string_to_sign, SignatureProvided=provided, OSSAccessKeyId=cred.access_key_id
        )
