"""The emulator's memory under IMG requests: what the engine plans bounds what it holds, and the
real ``ossimg emulator`` process stays under a stated bound with the image bombs of issue #9 run
four at a time and under a seeded stream of hostile images, and gives memory back afterwards."""

from __future__ import annotations

import io
import json
import random
import re
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import oss2
import pytest
from PIL import Image

from ..conftest import AK, SK
from .bombs import BOMBS, b64, bomb_folder, gif_with_far_frame

pytestmark = [pytest.mark.slow, pytest.mark.emulator_only("measures the emulator's own process")]

MB = 1 << 20
BUDGET_MB = 1024
# What the emulator process may reach: the image budget, plus the interpreter with its modules,
# the HTTP server's threads and buffers, and outputs on their way out (up to 4 MB each).
BOUND = (BUDGET_MB + 256) * MB
HERE = Path(__file__).parent
NOISE = (2000, 1500)
SMALL = (1000, 667)
LOGO = b64("logo.png")


def noise(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """Noise images: the worst case for codecs (no run compresses, every colour differs)."""
    bands = [Image.effect_noise(size, 70) for _ in range(3)]
    return Image.merge("RGB", bands).convert(mode)


@pytest.fixture(scope="module", name="probe_dir")
def _probe_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("probe")
    rgb = noise(NOISE)
    for name, fmt, save in [
        ("noise.jpg", "JPEG", {"quality": 90}), ("progressive.jpg", "JPEG", {"quality": 90, "progressive": True}),
        ("noise.png", "PNG", {"compress_level": 1}), ("noise.webp", "WEBP", {"quality": 80}),
        ("noise.bmp", "BMP", {}), ("noise.tiff", "TIFF", {}),
    ]:  # fmt: skip
        rgb.save(folder / name, fmt, **save)
    small = rgb.resize(SMALL)  # x265 and libaom take a minute over 6 megapixels of noise
    small.save(folder / "noise.heic", "HEIF", quality=80)
    small.save(folder / "noise.avif", "AVIF", quality=60)
    noise(NOISE, "RGBA").save(folder / "alpha.png", compress_level=1)
    rgb.convert("P").save(folder / "palette.png", compress_level=1)
    rgb.convert("L").save(folder / "grey.png", compress_level=1)
    exif = Image.Exif()
    exif[0x0112] = 6
    rgb.save(folder / "turned.jpg", quality=90, exif=exif.tobytes())
    frames = [noise((1500, 1000)).convert("P") for _ in range(4)]
    frames[0].save(folder / "anim.gif", save_all=True, append_images=frames[1:], duration=50)
    noise((800, 400), "RGBA").save(folder / "logo.png", compress_level=1)
    return folder


# (source, process): every decoder, every step, every encoder, on noise.
DECODED = (
    "noise.jpg", "progressive.jpg", "noise.png", "alpha.png", "palette.png", "grey.png", "noise.webp", "noise.bmp",
    "noise.tiff", "noise.heic", "noise.avif", "anim.gif", "turned.jpg",
)  # fmt: skip
PROBES = [
    *[(name, "image/resize,w_300") for name in DECODED],
    ("noise.png", "image/resize,m_pad,w_4000,h_4000,limit_0"),
    ("alpha.png", "image/resize,m_fill,w_1900,h_700"),
    ("noise.png", "image/crop,w_1500,h_1000,g_center"),
    ("noise.png", "image/circle,r_700"),
    ("palette.png", "image/rounded-corners,r_300"),
    ("noise.png", "image/rotate,30"),
    ("alpha.png", "image/rotate,90"),
    ("noise.png", "image/blur,r_30,s_30"),
    ("palette.png", "image/blur,r_5,s_5"),
    ("noise.png", "image/bright,40"),
    ("alpha.png", "image/contrast,-60"),
    ("noise.png", "image/sharpen,300"),
    ("noise.jpg", f"image/watermark,text_{b64('ossimg 猫' * 4)},size_300,rotate_30,g_center,shadow_50"),
    ("noise.png", f"image/watermark,text_{b64('x')},size_20,fill_1,t_50"),
    ("noise.png", f"image/watermark,image_{LOGO},g_center,text_{b64('logo')},size_200,order_1"),
    ("noise.jpg", "image/watermark,image_" + b64("logo.png?x-oss-process=image/resize,P_80")),
    ("noise.png", "image/format,webp"),
    ("alpha.png", "image/format,gif"),
    ("noise.png", "image/resize,w_1000/format,heic"),
    ("noise.png", "image/resize,w_1000/format,avif"),
    ("alpha.png", "image/format,jpg/interlace,1/quality,Q_94"),
    ("noise.png", "image/format,bmp"),
    ("noise.png", "image/format,tiff"),
    ("anim.gif", "image/format,gif"),
    ("anim.gif", "image/crop,w_500,h_500"),
    ("noise.png", "image/average-hue"),
    ("noise.jpg", "image/info"),
]


@pytest.fixture(scope="module", name="probed")
def _probed(probe_dir: Path) -> list[dict[str, object]]:
    """Every probe run in one child process, each with its own peak."""
    marks = {"logo.png": str(probe_dir / "logo.png")}
    return probe([[str(probe_dir / source), process, marks, True] for source, process in PROBES])


def probe(cases: list[list[object]]) -> list[dict[str, object]]:
    """Run ``cases`` through memory_probe.py in a child process."""
    done = subprocess.run(
        [sys.executable, str(HERE / "memory_probe.py")], input=json.dumps(cases), capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    return list(json.loads(done.stdout))


@pytest.mark.parametrize(("index", "source", "process"), [(i, *case) for i, case in enumerate(PROBES)])
def test_the_planned_cost_bounds_what_a_request_holds(probed, index, source, process):
    result = probed[index]
    held, cost, seconds = result["held"] / MB, result["cost"] / MB, result["seconds"]
    print(f"{source} {process}: held {held:.0f} MB, planned {cost:.0f} MB, {seconds:.1f} s")
    assert result["status"] == "ok"
    assert result["held"] <= result["cost"], (
        f"{source} {process}: held {result['held'] / MB:.0f} MB, planned {result['cost'] / MB:.0f} MB"
    )


def test_planning_a_bomb_decodes_nothing(bomb_dir):
    """Whatever a request would cost, finding out holds no pixels: headers only."""
    results = probe([[str(bomb_dir / source), process, {}, False] for source, process in BOMBS.values()])
    for name, result in zip(BOMBS, results, strict=True):
        assert result["held"] < 8 * MB, name
        assert result["cost"] > 0, name


# -- the real emulator process ------------------------------------------------------------------


def memory(pid: int) -> tuple[int, int]:
    """(peak, current) resident bytes of process ``pid``."""
    status = Path(f"/proc/{pid}/status").read_text()
    found = {name: int(value) * 1024 for name, value in re.findall(r"^(VmHWM|VmRSS):\s+(\d+) kB", status, re.M)}
    return found["VmHWM"], found["VmRSS"]


class Emulator:
    """``ossimg emulator`` in its own process with the default image budget, as users run it."""

    def __init__(self, data: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ossimg_local.cli", "emulator", "--port", "0", "--data", str(data), "--no-fsync",
             "--img-memory", str(BUDGET_MB), "--access-key-id", AK, "--access-key-secret", SK],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None
        match = re.search(r"http://\S+", self.proc.stdout.readline())
        assert match, "the emulator did not report its endpoint"
        self.endpoint = match.group(0)

    def bucket(self, name: str) -> oss2.Bucket:
        # Requests queue for the budget here: wait for them longer than oss2's default minute.
        bucket = oss2.Bucket(oss2.Auth(AK, SK), self.endpoint, name, connect_timeout=300)
        bucket.create_bucket()
        return bucket

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@pytest.fixture(scope="module", name="emulator_process")
def _emulator_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emulator = Emulator(tmp_path_factory.mktemp("oss"))
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture(scope="module", name="bomb_dir")
def _bomb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bomb_folder(tmp_path_factory)


def answer(bucket: oss2.Bucket, key: str, process: str) -> tuple[int, str]:
    """(status, OSS code or "") of an IMG GET, its body read whole."""
    try:
        bucket.get_object(key, process=process).read()
    except oss2.exceptions.OssError as error:
        return error.status, error.code
    return 200, ""


# What each reproduction answers under the default 1024 MB budget: the text, tiling and GIF bombs
# run in bounded memory; the blur of a 16000x15000 RGB PNG (about 1.2 GB in place) and the circle
# cut from a 29000x8000 JPEG (1.5 GB: the JPEG decodes whole) are more than the whole budget.
OUTCOMES = {
    "text": (200, ""), "fill": (200, ""), "frames": (200, ""),
    "blur": (400, "MemLimitExceeded"), "circle": (400, "MemLimitExceeded"),
}  # fmt: skip


def test_the_bombs_four_at_a_time_stay_under_the_bound_and_memory_is_given_back(emulator_process, bomb_dir):
    bucket = emulator_process.bucket("bombs")
    for path in bomb_dir.iterdir():
        bucket.put_object_from_file(path.name, str(path))
    _, before = memory(emulator_process.proc.pid)
    # Each reproduction, and a 16000x15000 grey PNG (about 500 MB to resize) twice beside them: two
    # of those, or one and the GIF's 700 MB, never fit the budget together, so they queue.
    requests = [*BOMBS.items(), *[("grey", ("huge-grey.png", "image/resize,w_100"))] * 2]
    random.Random(9).shuffle(requests)
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda item: (item[0], answer(bucket, *item[1])), requests))
    peak, after = memory(emulator_process.proc.pid)
    print(f"\nemulator peak RSS {peak / MB:.0f} MB (bound {BOUND / MB:.0f} MB)", end="; ")
    print(f"{before / MB:.0f} MB before the requests, {after / MB:.0f} MB after")
    for name, (status, code) in answers:
        assert (status, code) == OUTCOMES.get(name, (200, "")), name
    assert peak < BOUND
    assert after < before + 64 * MB  # what the large requests held went back to the system


def png_claiming(width: int, height: int, data: bytes) -> bytes:
    """``data`` (a PNG) with its header's size replaced, its CRC made right again."""
    header = struct.pack(">II", width, height) + data[24:29]
    return data[:16] + header + struct.pack(">I", zlib.crc32(b"IHDR" + header)) + data[33:]


SEED = 20240609
SEED_FORMATS = {
    "seed.png": "PNG", "seed.jpg": "JPEG", "seed.gif": "GIF", "seed.webp": "WEBP", "seed.tiff": "TIFF",
    "seed.bmp": "BMP", "seed.heic": "HEIF", "seed.avif": "AVIF",
}  # fmt: skip
HOSTILE_REQUESTS = 240
PROCESSES = [
    "image/resize,w_100", "image/resize,m_fill,w_4096,h_1024,limit_0/format,jpg", "image/crop,x_10,y_10",
    "image/circle,r_4096", "image/rounded-corners,r_4096", "image/rotate,45", "image/blur,r_50,s_50",
    "image/contrast,80", "image/sharpen,399",
    f"image/watermark,text_{b64('W' * 48)},size_1000,rotate_45",
    f"image/watermark,text_{b64('猫' * 16)},size_1000,fill_1",
    f"image/watermark,text_{b64('x')},size_1,fill_1", f"image/watermark,image_{b64('seed.png')},fill_1,x_4096",
    "image/watermark,image_" + b64("seed.jpg?x-oss-process=image/resize,P_100"), "image/format,webp",
    "image/format,gif", "image/interlace,1", "image/auto-orient,0/resize,p_1000,limit_0", "image/average-hue",
    "image/info",
]  # fmt: skip


def hostile(rng: random.Random, seeds: dict[str, bytes]) -> bytes:
    """A seed image cut short, with bytes flipped, or claiming a size it does not have."""
    name = rng.choice(sorted(seeds))
    data = bytearray(seeds[name])
    kind = rng.randrange(5)
    if kind == 0:
        return bytes(data[: rng.randrange(len(data))])
    if kind == 1:
        for _ in range(rng.randrange(1, 40)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if kind == 2 and name.endswith(".png"):
        return png_claiming(rng.choice([1, 29999, 30001, 65535, 1 << 30]), rng.choice([1, 8333, 40000]), bytes(data))
    if kind == 3:
        return gif_with_far_frame((rng.randrange(1, 64), 1), (rng.choice([1, 30000, 65535]), rng.randrange(1, 65535)))
    return bytes(data)


def test_seeded_hostile_images_get_oss_answers_within_the_bound(emulator_process):
    rng = random.Random(SEED)
    seeds = {}
    for name, fmt in SEED_FORMATS.items():
        mode = "RGBA" if fmt in ("PNG", "WEBP") else "RGB"
        buf = io.BytesIO()
        Image.frombytes(mode, (97, 61), rng.randbytes(97 * 61 * len(mode))).save(buf, fmt)
        seeds[name] = buf.getvalue()
    bucket = emulator_process.bucket("hostile")
    for name, data in seeds.items():
        bucket.put_object(name, data)
    keys = []
    for n in range(HOSTILE_REQUESTS // 4):
        keys.append(f"h/{n}")
        bucket.put_object(keys[-1], hostile(rng, seeds))
    requests = [(rng.choice(keys), rng.choice(PROCESSES)) for _ in range(HOSTILE_REQUESTS)]
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda item: answer(bucket, *item), requests))
    peak, _ = memory(emulator_process.proc.pid)
    codes = sorted({code for status, code in answers if status != 200})
    print(f"\n{HOSTILE_REQUESTS} hostile requests: {sum(s == 200 for s, _ in answers)} answered 200, "
          f"refusals {codes}; emulator peak RSS {peak / MB:.0f} MB")  # fmt: skip
    assert all(status in (200, 400) for status, _ in answers), [a for a in answers if a[0] not in (200, 400)]
    assert set(codes) <= {"BadRequest", "ImageTooLarge", "MemLimitExceeded", "InvalidArgument"}
    assert peak < BOUND
