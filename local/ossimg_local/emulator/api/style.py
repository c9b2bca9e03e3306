"""Image styles API: named IMG chains stored on a bucket, used as ``style/<name>``."""

from __future__ import annotations

from ossimg.errors import OpError
from ossimg.img.chain import parse

from .. import errors
from ..backend import Backend
from ..model import StyleInfo
from ..wire import Request, Response, XmlNode, iso_date, plain_elements, xml_response


def put_style(backend: Backend, request: Request) -> Response:
    """PUT /bucket/?style&styleName=N with ``<Style><Content>image/…</Content></Style>``."""
    found = plain_elements(request.read_body().decode("utf-8", "replace"), "Content", 1)
    if not found:
        raise errors.MalformedXML()
    content = found[0].strip()
    try:
        parse(content)
    except OpError as exc:
        raise errors.InvalidArgument(f"The style content is invalid: {exc.message}", ec=exc.ec) from None
    backend.store.put_style(request.bucket, _name(request), content)
    return Response(200)


def get_style(backend: Backend, request: Request) -> Response:
    """GET /bucket/?style&styleName=N, or the whole list without ``styleName``."""
    if "styleName" not in request.query:
        styles = backend.store.list_styles(request.bucket)
        return xml_response("StyleList", [("Style", _fields(s)) for s in styles])
    return xml_response("Style", _fields(backend.store.get_style(request.bucket, _name(request))))


def delete_style(backend: Backend, request: Request) -> Response:
    """DELETE /bucket/?style&styleName=N."""
    backend.store.delete_style(request.bucket, _name(request))
    return Response(204)


def _name(request: Request) -> str:
    name = request.query.get("styleName", "")
    if not name:
        raise errors.MissingArgument("Missing styleName.", ArgumentName="styleName")
    return name


def _fields(style: StyleInfo) -> list[XmlNode]:
    return [
        ("Name", style.name),
        ("Content", style.content),
        ("CreateTime", iso_date(style.created)),
        ("LastModifyTime", iso_date(style.modified)),
    ]
