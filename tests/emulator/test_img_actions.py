"""Every IMG action through both SDKs: GET ?x-oss-process and process_object with saveas."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from ossimg.img.chain import b64url, process_with_saveas

from ..conftest import make_image
from .clients import raises

# (process, size, PIL format, mode) on a 400x300 JPEG: one row per action and mode.
ACTIONS = [
    pytest.param("image/resize,m_lfit,w_150,h_80", (107, 80), "JPEG", "RGB", id="resize-lfit"),
    pytest.param("image/resize,m_mfit,w_150,h_80", (150, 113), "JPEG", "RGB", id="resize-mfit"),
    pytest.param("image/resize,m_fill,w_150,h_80", (150, 80), "JPEG", "RGB", id="resize-fill"),
    pytest.param("image/resize,m_pad,w_150,h_80", (150, 80), "JPEG", "RGB", id="resize-pad"),
    pytest.param("image/resize,m_fixed,w_150,h_80", (150, 80), "JPEG", "RGB", id="resize-fixed"),
    pytest.param("image/resize,l_200", (200, 150), "JPEG", "RGB", id="resize-long"),
    pytest.param("image/resize,s_150", (200, 150), "JPEG", "RGB", id="resize-short"),
    pytest.param("image/resize,p_50", (200, 150), "JPEG", "RGB", id="resize-percent"),
    pytest.param("image/resize,w_800,limit_0", (800, 600), "JPEG", "RGB", id="resize-enlarge"),
    pytest.param("image/format,png", (400, 300), "PNG", "RGB", id="format-png"),
    pytest.param("image/format,webp", (400, 300), "WEBP", "RGB", id="format-webp"),
    pytest.param("image/format,bmp", (400, 300), "BMP", "RGB", id="format-bmp"),
    pytest.param("image/format,tiff", (400, 300), "TIFF", "RGB", id="format-tiff"),
    pytest.param("image/quality,q_50", (400, 300), "JPEG", "RGB", id="quality-relative"),
    pytest.param("image/quality,Q_60", (400, 300), "JPEG", "RGB", id="quality-absolute"),
    pytest.param(
        "image/watermark,image_" + b64url("logo.png") + ",g_center", (400, 300), "JPEG", "RGB", id="watermark-image"
    ),
    pytest.param("style/half", (200, 150), "PNG", "RGB", id="style"),
    pytest.param("image/crop,w_100,h_80", (100, 80), "JPEG", "RGB", id="crop-nw"),
    pytest.param("image/crop,w_100,h_80,x_50,y_40", (100, 80), "JPEG", "RGB", id="crop-offset"),
    pytest.param("image/crop,w_100,h_80,g_center", (100, 80), "JPEG", "RGB", id="crop-center"),
    pytest.param("image/crop,w_100,h_80,g_se", (100, 80), "JPEG", "RGB", id="crop-se"),
    pytest.param("image/crop,w_500,h_500,x_350,y_250", (50, 50), "JPEG", "RGB", id="crop-clipped"),
    pytest.param("image/crop,x_300", (100, 300), "JPEG", "RGB", id="crop-to-the-edge"),
    pytest.param("image/indexcrop,x_150,i_0", (150, 300), "JPEG", "RGB", id="indexcrop-x-first"),
    pytest.param("image/indexcrop,x_150,i_2", (100, 300), "JPEG", "RGB", id="indexcrop-x-last-short"),
    pytest.param("image/indexcrop,y_100,i_1", (400, 100), "JPEG", "RGB", id="indexcrop-y"),
    pytest.param("image/indexcrop,y_100,i_10", (400, 300), "JPEG", "RGB", id="indexcrop-past-the-end"),
    pytest.param("image/circle,r_100", (201, 201), "JPEG", "RGB", id="circle-jpg"),
    pytest.param("image/circle,r_100/format,png", (201, 201), "PNG", "RGBA", id="circle-png"),
    pytest.param("image/circle,r_500/format,png", (299, 299), "PNG", "RGBA", id="circle-capped"),
    pytest.param("image/rounded-corners,r_30", (400, 300), "JPEG", "RGB", id="rounded-jpg"),
    pytest.param("image/rounded-corners,r_30/format,webp", (400, 300), "WEBP", "RGBA", id="rounded-webp"),
    pytest.param("image/rotate,90", (300, 400), "JPEG", "RGB", id="rotate-90"),
    pytest.param("image/rotate,180", (400, 300), "JPEG", "RGB", id="rotate-180"),
    pytest.param("image/rotate,270", (300, 400), "JPEG", "RGB", id="rotate-270"),
    pytest.param("image/rotate,360", (400, 300), "JPEG", "RGB", id="rotate-360"),
    pytest.param("image/auto-orient,1", (400, 300), "JPEG", "RGB", id="auto-orient-1"),
    pytest.param("image/blur,r_3,s_2", (400, 300), "JPEG", "RGB", id="blur"),
    pytest.param("image/bright,50", (400, 300), "JPEG", "RGB", id="bright"),
    pytest.param("image/contrast,-50", (400, 300), "JPEG", "RGB", id="contrast"),
    pytest.param("image/sharpen,100", (400, 300), "JPEG", "RGB", id="sharpen"),
    pytest.param("image/interlace,1", (400, 300), "JPEG", "RGB", id="interlace"),
    pytest.param("image/format,heic", (400, 300), "HEIF", "RGB", id="format-heic"),
    pytest.param("image/format,avif", (400, 300), "AVIF", "RGB", id="format-avif"),
    pytest.param("image/format,gif", (400, 300), "JPEG", "RGB", id="format-gif-keeps-jpg"),
    pytest.param("image/resize,w_200/crop,w_100,h_100/rotate,90/format,png", (100, 100), "PNG", "RGB", id="chain"),
    pytest.param("image/watermark,text_" + b64url("ossimg"), (400, 300), "JPEG", "RGB", id="watermark-text"),
]


@pytest.fixture(name="src")
def _src(bucket):
    bucket.put("src.jpg", make_image((400, 300)))
    bucket.put("logo.png", make_image((60, 30), "PNG", mode="RGBA"))
    bucket.put_style("half", "image/resize,p_50/format,png")
    return bucket


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


@pytest.mark.parametrize(("process", "size", "fmt", "mode"), ACTIONS)
def test_get_with_process(src, process, size, fmt, mode):
    image = opened(src.get("src.jpg", process=process).body)
    assert (image.size, image.format, image.mode) == (size, fmt, mode)


@pytest.mark.parametrize(("process", "size", "fmt", "mode"), ACTIONS)
def test_process_object_saves_the_same_result(src, make_bucket, process, size, fmt, mode):
    target = make_bucket()
    result = src.process("src.jpg", process_with_saveas(process, "out/result", target.name))
    data = target.get("out/result").body
    assert result.file_size == len(data)
    image = opened(data)
    assert (image.size, image.format, image.mode) == (size, fmt, mode)


# Each documented validation error, with the EC OSS answers it with (oss-img-spec §4.3).
INVALID = [
    pytest.param("image/resize,w_100,m_abc", "0040-00000311", id="resize-m"),
    pytest.param("image/resize,w_0", "0040-00000312", id="resize-w"),
    pytest.param("image/resize,h_99999", "0040-00000313", id="resize-h"),
    pytest.param("image/resize,s_0", "0040-00000315", id="resize-s"),
    pytest.param("image/resize,p_0", "0040-00000317", id="resize-p"),
    pytest.param("image/resize", "0040-00000322", id="resize-empty"),
    pytest.param("image/crop,w_-1", "0040-00000225", id="crop-w"),
    pytest.param("image/crop,h_abc", "0040-00000226", id="crop-h"),
    pytest.param("image/indexcrop,y_abc,i_0", "0040-00000224", id="indexcrop-y"),
    pytest.param("image/indexcrop,x_10,i_abc", "0040-00000229", id="indexcrop-i"),
    pytest.param("image/indexcrop,x_0", "0040-00000230", id="indexcrop-x"),
    pytest.param("image/circle,r_5000", "0040-00000233", id="circle-r"),
    pytest.param("image/rounded-corners,r_abc", "0040-00000237", id="rounded-r"),
    pytest.param("image/rotate", "0040-00000216", id="rotate-missing"),
    pytest.param("image/rotate,400", "0040-00000217", id="rotate-range"),
    pytest.param("image/rotate,90,200,300", "0040-00000203", id="rotate-many-values"),
    pytest.param("image/blur,r_200,s_2", "0040-00000241", id="blur-r"),
    pytest.param("image/blur,r_2,s_200", "0040-00000242", id="blur-s"),
    pytest.param("image/bright", "0040-00000245", id="bright-missing"),
    pytest.param("image/bright,200", "0040-00000246", id="bright-range"),
    pytest.param("image/sharpen", "0040-00000279", id="sharpen-missing"),
    pytest.param("image/sharpen,10", "0040-00000280", id="sharpen-range"),
    pytest.param("image/interlace", "0040-00000281", id="interlace-missing"),
    pytest.param("image/interlace,2", "0040-00000282", id="interlace-range"),
    pytest.param("image/quality", "0040-00000307", id="quality-missing"),
    pytest.param("image/quality,Q_200", "0040-00000308", id="quality-Q"),
    pytest.param("image/quality,q_200", "0040-00000309", id="quality-q"),
    pytest.param("image/format,dng", "0040-00000206", id="format-value"),
    pytest.param("image/format", "0040-00000207", id="format-missing"),
    pytest.param("image/watermark,type_eA,text_eA", "0040-00000251", id="watermark-font"),
    pytest.param("image/watermark,text_!!", "0040-00000257", id="watermark-text-base64"),
    pytest.param("image/watermark,t_50", "0040-00000258", id="watermark-nothing"),
    pytest.param("image/watermark,image_!!", "0040-00000265", id="watermark-image-base64"),
    pytest.param("image/watermark,text_eA,fill_2", "0040-00000274", id="watermark-fill"),
    pytest.param("image/", "0040-00000212", id="no-action"),
    pytest.param("image/slim,1", "0040-00000213", id="unknown-action"),
]


@pytest.mark.parametrize(("process", "ec"), INVALID)
def test_invalid_in_get(src, process, ec):
    with raises("InvalidArgument") as exc:
        src.get("src.jpg", process=process)
    assert (exc.value.status, exc.value.ec) == (400, ec)


@pytest.mark.parametrize(("process", "ec"), INVALID)
def test_invalid_in_process_object_saves_nothing(src, process, ec):
    with raises("InvalidArgument") as exc:
        src.process("src.jpg", process_with_saveas(process, "never.jpg"))
    assert exc.value.ec == ec
    assert not src.exists("never.jpg")


class TestPixels:
    """Where the pixels go, not only how many there are."""

    def test_circle_outside_is_transparent_in_png_and_white_in_jpg(self, src):
        png = opened(src.get("src.jpg", process="image/circle,r_100/format,png").body)
        assert png.getpixel((0, 0))[3] == 0
        assert png.getpixel((100, 100))[3] == 255
        jpg = opened(src.get("src.jpg", process="image/circle,r_100").body).convert("RGB")
        assert min(jpg.getpixel((1, 1))) > 245

    def test_rounded_corner_is_transparent_edge_middle_is_not(self, src):
        png = opened(src.get("src.jpg", process="image/rounded-corners,r_40/format,png").body)
        assert png.getpixel((0, 0))[3] == 0
        assert png.getpixel((200, 0))[3] == 255

    def test_rotate_90_is_clockwise(self, bucket):
        marked = Image.new("RGB", (40, 20), "white")
        marked.paste((255, 0, 0), (0, 0, 5, 5))  # red top-left corner
        buf = io.BytesIO()
        marked.save(buf, "PNG")
        bucket.put("mark.png", buf.getvalue())
        turned = opened(bucket.get("mark.png", process="image/rotate,90").body).convert("RGB")
        assert turned.size == (20, 40)
        assert turned.getpixel((17, 2)) == (255, 0, 0)  # now top-right

    def test_bright_and_contrast_move_pixels_the_right_way(self, bucket):
        buf = io.BytesIO()
        Image.new("RGB", (50, 50), (100, 100, 100)).save(buf, "PNG")
        bucket.put("grey.png", buf.getvalue())
        brighter = opened(bucket.get("grey.png", process="image/bright,50").body).getpixel((25, 25))
        darker = opened(bucket.get("grey.png", process="image/bright,-50").body).getpixel((25, 25))
        assert brighter[0] > 100 > darker[0]

    def test_progressive_jpeg_with_interlace(self, src):
        image = opened(src.get("src.jpg", process="image/interlace,1").body)
        assert image.info.get("progressive") == 1

    def test_quality_applies_to_webp(self, bucket):
        noisy = io.BytesIO()
        Image.effect_noise((300, 300), 60).convert("RGB").save(noisy, "PNG")
        bucket.put("noisy.png", noisy.getvalue())
        high = len(bucket.get("noisy.png", process="image/format,webp/quality,Q_95").body)
        low = len(bucket.get("noisy.png", process="image/format,webp/quality,Q_10").body)
        assert low < high / 2


class TestOrientation:
    """EXIF orientation is applied by default and kept with auto-orient,0."""

    @pytest.fixture(name="rotated")
    def _rotated(self, bucket):
        exif = Image.Exif()
        exif[0x0112] = 6
        bucket.put("rotated.jpg", make_image((400, 200), exif=exif.tobytes()))
        return bucket

    @pytest.mark.parametrize(("process", "size"), [
        ("image/resize,w_100", (100, 200)), ("image/auto-orient,1/resize,w_100", (100, 200)),
        ("image/auto-orient,0/resize,w_100", (100, 50)), ("image/format,png", (200, 400)),
    ])  # fmt: skip
    def test_orientation(self, rotated, process, size):
        assert opened(rotated.get("rotated.jpg", process=process).body).size == size


class TestAnimatedGif:
    """A GIF keeps its frames through resize; other actions and p make it static (oss-img-spec §2)."""

    @pytest.fixture(name="gif")
    def _gif(self, bucket):
        frames = [Image.new("RGB", (200, 100), (i * 60, 255 - i * 60, 0)) for i in range(4)]
        buf = io.BytesIO()
        frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)
        bucket.put("anim.gif", buf.getvalue())
        return bucket

    @pytest.mark.parametrize(("process", "size", "frames"), [
        ("image/resize,w_100", (100, 50), 4),
        ("image/resize,w_400,limit_0", (200, 100), 4),  # a GIF is never enlarged
        ("image/resize,p_50", (100, 50), 1),
        ("image/rotate,90", (100, 200), 1),
        ("image/crop,w_50,h_50", (50, 50), 1),
        ("image/format,png", (200, 100), 1),
    ])  # fmt: skip
    def test_frames(self, gif, process, size, frames):
        image = opened(gif.get("anim.gif", process=process).body)
        assert (image.size, getattr(image, "n_frames", 1)) == (size, frames)

    def test_rounded_corners_is_refused_for_gif(self, gif):
        with raises(None) as exc:
            gif.get("anim.gif", process="image/rounded-corners,r_10")
        assert exc.value.code == "BadRequest"


class TestQueries:
    """info and average-hue answer with JSON."""

    def test_average_hue(self, bucket):
        buf = io.BytesIO()
        Image.new("RGB", (50, 50), (0x5C, 0x78, 0x3B)).save(buf, "PNG")
        bucket.put("hue.png", buf.getvalue())
        answer = bucket.get("hue.png", process="image/average-hue")
        assert answer.body == b'{"RGB": "0x5c783b"}'
        assert answer.content_type == "application/json"

    def test_info_of_a_gif_counts_frames(self, bucket):
        frames = [Image.new("RGB", (10, 10), (i * 100, 0, 0)) for i in range(3)]
        buf = io.BytesIO()
        frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
        bucket.put("f.gif", buf.getvalue())
        assert b'"FrameCount": {"value": "3"}' in bucket.get("f.gif", process="image/info").body
