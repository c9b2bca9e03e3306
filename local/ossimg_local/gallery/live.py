"""The live gallery of ``ossimg up``, served at ``/_ossimg/`` on the emulator's own port.

One origin for the page and the emulator, so the page's upload box can PUT a dropped file straight to
the emulator through a presigned URL (as a browser uploads to OSS: the bytes alone, no Content-Type)
without any cross-origin rule. Bucket names cannot start with ``_``, so ``/_ossimg/`` never shadows a
bucket. The page polls ``api/state``; sources appear when uploaded and fill in when the function ran.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote, urlsplit

from ossimg.rules.compiled import CompiledRules

from ..emulator.backend import Backend
from ..emulator.errors import OssError
from .model import Picture, SourceView, png_preview, sources_from_log
from .page import render_page

MOUNT = "/_ossimg/"
StartResponse = Callable[[str, list[tuple[str, str]]], Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
Signer = Callable[[str, str], str]  # (bucket, key) -> a presigned PUT URL
KEEP = 200  # sources shown, newest first


class LiveGallery:
    """The state the page shows, and the WSGI app that serves it."""

    def __init__(self, backend: Backend, rules: CompiledRules, uploads: list[tuple[str, str]], sign: Signer) -> None:
        self.backend = backend
        self.rules = rules
        self.uploads = uploads  # (bucket, prefix) pairs the upload box offers: the OSS triggers
        self._sign = sign
        self._lock = threading.Lock()
        self._sources: dict[tuple[str, str], SourceView] = {}
        self.version = 0

    def pending(self, bucket: str, key: str) -> None:
        """An upload a trigger matched: shown at once, as being processed."""
        with self._lock:
            self._sources.pop((bucket, key), None)
            self._sources[(bucket, key)] = SourceView(bucket, key, self._picture(bucket, key), pending=True)
            self._trim()

    def settled(self, lines: list[str]) -> None:
        """An invocation's log lines: what it made of each source."""
        views = sources_from_log(lines, self.rules, self.read)
        with self._lock:
            for view in views:
                self._link(view)
                self._sources.pop((view.bucket, view.key), None)
                self._sources[(view.bucket, view.key)] = view
            self._trim()

    def state(self) -> dict[str, Any]:
        """What ``api/state`` answers: the sources, newest first, and a version that changes with them."""
        with self._lock:
            return {"version": self.version, "sources": [s.as_json() for s in reversed(self._sources.values())]}

    def read(self, bucket: str, key: str) -> bytes | None:
        """An object's bytes from the emulator's store, or None."""
        try:
            info = self.backend.store.head_object(bucket, key)
            return self.backend.store.object_path(info).read_bytes()
        except (OssError, OSError):  # not there, or replaced between the two reads
            return None

    def _picture(self, bucket: str, key: str) -> Picture | None:
        from .model import describe

        data = self.read(bucket, key)
        if data is None:
            return None
        picture = describe(bucket, key, data)
        self._link_picture(picture)
        return picture

    def _link(self, view: SourceView) -> None:
        for picture in [view.picture, *(v.picture for v in view.variants)]:
            if picture is not None:
                self._link_picture(picture)

    def _link_picture(self, picture: Picture) -> None:
        path = quote(f"{picture.bucket}/{picture.key}")
        stamp = f"?v={picture.size}-{self.version + 1}"
        picture.href = f"{MOUNT}object/{path}{stamp}"
        if picture.needs_preview and picture.format != "not an image":
            picture.preview = f"{MOUNT}preview/{path}{stamp}"

    def _trim(self) -> None:
        while len(self._sources) > KEEP:
            self._sources.pop(next(iter(self._sources)))
        self.version += 1

    # -- the WSGI app ------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        # WSGI gives the percent-decoded path as latin-1 text; keys are UTF-8.
        path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")[len(MOUNT) :]
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "" and method == "GET":
            return _send(start_response, 200, "text/html; charset=utf-8", self.page().encode("utf-8"))
        if path == "api/state" and method == "GET":
            return _json(start_response, 200, self.state())
        if path == "api/presign" and method == "POST":
            return self._presign(environ, start_response)
        if path.startswith(("object/", "preview/")) and method == "GET":
            return self._object(path, start_response)
        return _json(start_response, 404, {"error": f"no such page: {MOUNT}{path}"})

    def page(self) -> str:
        """The live page."""
        prefixes = [prefix for _, prefix in self.uploads]
        subtitle = (
            f"Live: uploads to {', '.join(sorted({b for b, _ in self.uploads}))} under "
            f"{', '.join(prefixes)} and what the function made of them."
        )
        return render_page({"subtitle": subtitle, "live": True, "api": f"{MOUNT}api/", "prefixes": prefixes})

    def _presign(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            size = int(environ.get("CONTENT_LENGTH") or 0)
            key = str(json.loads(environ["wsgi.input"].read(min(size, 65536)) or b"{}").get("key", ""))
        except (ValueError, AttributeError):
            return _json(start_response, 400, {"error": 'send {"key": "prefix/name.jpg"}'})
        bucket = next((b for b, prefix in self.uploads if key.startswith(prefix)), None)
        if bucket is None or not key or ".." in key.split("/"):
            allowed = ", ".join(prefix for _, prefix in self.uploads)
            return _json(start_response, 400, {"error": f"{key!r} is not under an upload prefix ({allowed})"})
        signed = urlsplit(self._sign(bucket, key))
        # Relative: the page PUTs to the origin it came from, whatever host name the browser used.
        return _json(start_response, 200, {"bucket": bucket, "key": key, "url": f"{signed.path}?{signed.query}"})

    def _object(self, path: str, start_response: StartResponse) -> Iterable[bytes]:
        kind, _, rest = path.partition("/")
        bucket, _, key = rest.partition("/")
        data = self.read(bucket, key)
        if data is None:
            return _json(start_response, 404, {"error": f"no such object: {bucket}/{key}"})
        if kind == "preview":
            return _send(start_response, 200, "image/png", png_preview(data))
        return _send(start_response, 200, "application/octet-stream", data)


def mounted(gallery: LiveGallery, emulator: WsgiApp) -> WsgiApp:
    """One WSGI app: the gallery under ``/_ossimg/``, the emulator for everything else."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == MOUNT.rstrip("/"):
            start_response("301 Moved Permanently", [("Location", MOUNT), ("Content-Length", "0")])
            return [b""]
        if path.startswith(MOUNT):
            return gallery(environ, start_response)
        return emulator(environ, start_response)

    return app


def _send(start_response: StartResponse, status: int, kind: str, body: bytes) -> list[bytes]:
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}[status]
    start_response(
        f"{status} {reason}",
        [("Content-Type", kind), ("Content-Length", str(len(body))), ("Cache-Control", "no-store")],
    )
    return [body]


def _json(start_response: StartResponse, status: int, doc: dict[str, Any]) -> list[bytes]:
    return _send(start_response, status, "application/json", json.dumps(doc, ensure_ascii=False).encode("utf-8"))
