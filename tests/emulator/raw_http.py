"""Requests no SDK would send: signed by hand (V1, V4 in the header, V4 in the URL) as OSS documents
the algorithms (sdk-wire-notes §1.6; oss2's sub-resource list), then sent over HTTP or straight into
the emulator's WSGI app. The hostile, race and fuzz tests build on these."""

from __future__ import annotations

import base64
import datetime
import email.utils
import hashlib
import hmac
import io
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests
from oss2.auth import ProviderAuth

# The query names that take part in a V1 signature, as oss2 (the reference client) lists them.
V1_SUBRESOURCES = frozenset(ProviderAuth._subresource_key_set)
UNSIGNED = "UNSIGNED-PAYLOAD"

Pairs = list[tuple[str, str]]


@dataclass
class Raw:
    """One request as it travels: method, path segments, query pairs in order, headers, body."""

    method: str
    bucket: str = ""
    key: str = ""
    query: Pairs = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    # The path as bytes, when it must hold what no str encodes (bytes that are not UTF-8).
    raw_path: bytes | None = None

    @property
    def path(self) -> bytes:
        if self.raw_path is not None:
            return self.raw_path
        return ("/" + self.bucket + ("/" + self.key if self.key else ("/" if self.bucket else ""))).encode()

    def url_path(self) -> str:
        return quote(self.path, safe="/")

    def query_string(self) -> str:
        def enc(text: str) -> str:  # a lone surrogate stands for a byte that is not UTF-8 (surrogateescape)
            return quote(text.encode("utf-8", "surrogateescape"), safe="")

        return "&".join(enc(k) + ("=" + enc(v) if v != "" else "") for k, v in self.query)


def sign_v1(raw: Raw, ak: str, sk: str, date: str | None = None) -> Raw:
    """Add ``Date`` (unless given) and ``Authorization: OSS ak:signature``."""
    headers = {k.lower(): v for k, v in raw.headers.items()}
    headers.setdefault("date", email.utils.formatdate(usegmt=True) if date is None else date)
    oss = "".join(f"{k}:{v}\n" for k, v in sorted(headers.items()) if k.startswith("x-oss-"))
    subs = sorted((k, v) for k, v in raw.query if k in V1_SUBRESOURCES)
    resource = raw.path.decode("utf-8", "surrogateescape")
    if subs:
        resource += "?" + "&".join(f"{k}={v}" if v else k for k, v in subs)
    text = "\n".join([raw.method, headers.get("content-md5", ""), headers.get("content-type", ""),
                      headers.get("x-oss-date") or headers["date"], oss + resource])  # fmt: skip
    digest = hmac.new(sk.encode(), text.encode("utf-8", "surrogateescape"), hashlib.sha1).digest()
    headers["authorization"] = f"OSS {ak}:{base64.b64encode(digest).decode()}"
    raw.headers = headers
    return raw


def _v4_encode(text: str, keep_slash: bool) -> str:
    return quote(text.encode("utf-8", "surrogateescape"), safe="/-_.~" if keep_slash else "-_.~")


def _v4_signature(raw: Raw, sk: str, stamp: str, scope: str, payload: str, presigned: bool) -> str:
    date, region, product, _ = scope.split("/")
    params = sorted((_v4_encode(k, False), _v4_encode(v, False)) for k, v in raw.query)
    headers = {k.lower(): v for k, v in raw.headers.items()}
    signed = sorted((k, v) for k, v in headers.items()
                    if k.startswith("x-oss-") or k in ("content-type", "content-md5"))  # fmt: skip
    canonical = "\n".join([
        raw.method, _v4_encode(raw.path.decode("utf-8", "surrogateescape"), True),
        "&".join(f"{k}={v}" if v else k for k, v in params), "".join(f"{k}:{v}\n" for k, v in signed), "",
        UNSIGNED if presigned else payload,
    ])  # fmt: skip
    text = "\n".join(["OSS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("aliyun_v4" + sk).encode()
    for part in (date, region, product, "aliyun_v4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def _stamp(when: datetime.datetime | None) -> str:
    return (when or datetime.datetime.now(datetime.timezone.utc)).strftime("%Y%m%dT%H%M%SZ")


def sign_v4(raw: Raw, ak: str, sk: str, region: str, *, product: str = "oss", payload: str = UNSIGNED,
            when: datetime.datetime | None = None) -> Raw:  # fmt: skip
    """Add ``x-oss-date``, ``x-oss-content-sha256`` and a V4 ``Authorization`` header."""
    stamp = _stamp(when)
    raw.headers = {**{k.lower(): v for k, v in raw.headers.items()}, "x-oss-date": stamp,
                   "x-oss-content-sha256": payload}  # fmt: skip
    scope = f"{stamp[:8]}/{region}/{product}/aliyun_v4_request"
    signature = _v4_signature(raw, sk, stamp, scope, payload, presigned=False)
    raw.headers["authorization"] = f"OSS4-HMAC-SHA256 Credential={ak}/{scope},Signature={signature}"
    return raw


def presign_v4(raw: Raw, ak: str, sk: str, region: str, *, expires: str, product: str = "oss",
               when: datetime.datetime | None = None) -> Raw:  # fmt: skip
    """Put a V4 signature in the query, valid ``expires`` seconds from ``when`` (now)."""
    stamp = _stamp(when)
    scope = f"{stamp[:8]}/{region}/{product}/aliyun_v4_request"
    raw.query = [*raw.query, ("x-oss-signature-version", "OSS4-HMAC-SHA256"), ("x-oss-credential", f"{ak}/{scope}"),
                 ("x-oss-date", stamp), ("x-oss-expires", expires)]  # fmt: skip
    raw.query.append(("x-oss-signature", _v4_signature(raw, sk, stamp, scope, UNSIGNED, presigned=True)))
    return raw


def send(
    endpoint: str, raw: Raw, timeout: float = 30, session: requests.Session | None = None, *, stream: bool = False
) -> requests.Response:
    """Send ``raw`` as it is: path and query percent-encoded exactly once, headers as given; on a new
    connection unless a ``session`` to keep one is given; the body read unless ``stream``."""
    url = endpoint + raw.url_path() + ("?" + raw.query_string() if raw.query else "")
    prepared = requests.Request(raw.method, url, headers=raw.headers, data=raw.body).prepare()
    prepared.url = url  # requests would re-quote some characters
    if session is not None:
        return session.send(prepared, timeout=timeout, stream=stream)
    with requests.Session() as own:
        return own.send(prepared, timeout=timeout, stream=stream)


@dataclass
class Answer:
    """What the WSGI app answered."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def start_app(app: Any, raw: Raw, body_stream: io.RawIOBase | None = None) -> tuple[int, list[tuple[str, str]], Any]:
    """Hand ``raw`` to a WSGI app as waitress would (a latin-1 path, the raw query, HTTP_* headers)
    and return its status, headers and body iterable, not yet read."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": raw.method,
        "PATH_INFO": raw.path.decode("latin-1"),
        "QUERY_STRING": raw.query_string(),
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.input": body_stream or io.BytesIO(raw.body),
        "wsgi.url_scheme": "http",
        "CONTENT_LENGTH": str(len(raw.body)),
    }
    for name, value in raw.headers.items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        else:
            environ["HTTP_" + key] = value
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        started.extend([int(status.split()[0]), headers])

    result = app(environ, start_response)
    return started[0], started[1], result


def call_app(app: Any, raw: Raw, body_stream: io.RawIOBase | None = None) -> Answer:
    """``start_app``, with the body read (and the iterable closed, as a server does)."""
    status, headers, result = start_app(app, raw, body_stream)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return Answer(status, headers, body)
