"""OSS resize arithmetic without pixels (the emulator's engine/geometry.py)."""

from __future__ import annotations

import pytest

from ossimg_local.emulator.engine.geometry import (
    ResizeParams,
    circle_box,
    crop_box,
    index_slice,
    output_too_large,
    place,
    plan_resize,
    round_half_up,
)  # fmt: skip

CASES = [
    # (source, params, scaled, final): the spec's worked examples first (oss-img-spec §3.1)
    pytest.param((200, 100), dict(m="lfit", w=150, h=80), (150, 75), (150, 75), id="lfit-150x80"),
    pytest.param((200, 100), dict(m="mfit", w=150, h=80), (160, 80), (160, 80), id="mfit-150x80"),
    pytest.param((200, 100), dict(m="fill", w=150, h=80), (160, 80), (150, 80), id="fill-150x80"),
    pytest.param((200, 100), dict(m="pad", w=150, h=80), (150, 75), (150, 80), id="pad-150x80"),
    pytest.param((200, 100), dict(m="fixed", w=150, h=80), (150, 80), (150, 80), id="fixed-150x80"),
    pytest.param((200, 100), dict(m="fill", h=100), (200, 100), (100, 100), id="fill-h-square-box"),
    pytest.param((400, 300), dict(h=100), (133, 100), (133, 100), id="lfit-h100-rounds-down"),
    pytest.param((400, 267), dict(h=100), (150, 100), (150, 100), id="round-half-up-149.8"),
    pytest.param((400, 267), dict(l=100), (100, 67), (100, 67), id="long-side"),
    pytest.param((300, 400), dict(s=150), (150, 200), (150, 200), id="short-side-portrait"),
    pytest.param((400, 300), dict(l=200, s=200), (200, 150), (200, 150), id="l-and-s-box"),
    pytest.param((400, 300), dict(p=50), (200, 150), (200, 150), id="percent"),
    pytest.param((400, 300), dict(p=50, w=100), (100, 75), (100, 75), id="w-wins-over-p"),
    pytest.param((400, 267), dict(w=500), (400, 267), (400, 267), id="limit-1-refuses-to-enlarge"),
    pytest.param((400, 267), dict(w=500, limit=0), (500, 334), (500, 334), id="limit-0-enlarges"),
    pytest.param((400, 300), dict(m="fixed", w=500, h=100), (400, 300), (400, 300), id="fixed-limit-one-axis"),
    pytest.param((400, 300), dict(m="pad", w=100, h=100), (100, 75), (100, 100), id="pad-square"),
]


class TestPlanResize:
    """Each mode and sizing form gives OSS's dimensions."""

    @pytest.mark.parametrize(("source", "params", "scaled", "final"), CASES)
    def test_sizes(self, source, params, scaled, final):
        plan = plan_resize(*source, ResizeParams(**params))
        assert (plan.scaled, plan.final) == (scaled, final)

    def test_fill_crops_from_the_centre(self):
        assert plan_resize(200, 100, ResizeParams(m="fill", w=150, h=80)).offset == (5, 0)

    def test_pad_centres_the_picture(self):
        assert plan_resize(400, 300, ResizeParams(m="pad", w=100, h=100)).offset == (0, 12)

    def test_unchanged_when_limit_refuses(self):
        assert plan_resize(400, 267, ResizeParams(w=500)).unchanged
        assert not plan_resize(400, 267, ResizeParams(w=100)).unchanged


@pytest.mark.parametrize(("value", "expected"), [(0.2, 1), (1.5, 2), (2.49, 2), (149.8, 150), (133.33, 133)])
def test_round_half_up(value, expected):
    assert round_half_up(value) == expected


@pytest.mark.parametrize(("size", "too_large"), [
    ((16384, 1000), False), ((16385, 10), True), ((4096, 4096), False), ((5000, 5000), True),
])  # fmt: skip
def test_output_limits(size, too_large):
    assert output_too_large(size) is too_large


@pytest.mark.parametrize(("w", "h", "x", "y", "g", "box"), [
    (100, 100, 0, 0, "nw", (0, 0, 100, 100)),
    (100, 100, 100, 100, "nw", (100, 100, 200, 200)),
    (100, 50, 0, 0, "center", (150, 125, 250, 175)),
    (100, 50, 0, 0, "se", (300, 250, 400, 300)),
    (100, 50, 0, 0, "north", (150, 0, 250, 50)),
    (100, 50, 0, 0, "east", (300, 125, 400, 175)),
    (500, 500, 0, 0, "nw", (0, 0, 400, 300)),
    (100, 100, 350, 250, "nw", (350, 250, 400, 300)),
    (None, None, 50, 50, "nw", (50, 50, 400, 300)),
])  # fmt: skip
def test_crop_box_on_400x300(w, h, x, y, g, box):
    assert crop_box((400, 300), w, h, x, y, g) == box


def test_crop_starting_outside_the_image():
    assert crop_box((400, 300), 10, 10, 400, 0, "nw") is None


@pytest.mark.parametrize(("x", "y", "i", "box"), [
    (100, None, 0, (0, 0, 100, 300)), (100, None, 3, (300, 0, 400, 300)), (150, None, 2, (300, 0, 400, 300)),
    (None, 100, 1, (0, 100, 400, 200)), (100, 100, 1, (0, 100, 400, 200)), (100, None, 4, None),
])  # fmt: skip
def test_index_slice_on_400x300(x, y, i, box):
    assert index_slice((400, 300), x, y, i) == box


@pytest.mark.parametrize(("r", "radius", "box"), [
    (100, 100, (100, 50, 301, 251)), (500, 149, (51, 1, 350, 300)),
])  # fmt: skip
def test_circle_box_on_400x300(r, radius, box):
    assert circle_box((400, 300), r) == (radius, box)


@pytest.mark.parametrize(("g", "voffset", "origin"), [
    ("nw", 0, (10, 10)), ("north", 0, (175, 10)), ("ne", 0, (340, 10)), ("west", 0, (10, 140)),
    ("center", 0, (175, 140)), ("center", 20, (175, 120)), ("east", 0, (340, 140)), ("sw", 0, (10, 270)),
    ("south", 0, (175, 270)), ("se", 0, (340, 270)),
])  # fmt: skip
def test_watermark_placement_on_400x300(g, voffset, origin):
    assert place((400, 300), (50, 20), g, 10, 10, voffset) == origin
