"""``ossimg backfill`` --via local against the emulator: every variant made once, dry runs that write nothing
and predict the run, changed rules redoing exactly what changed, inventories, windows, interruptions and
failures that can be re-driven. Counts come from the emulator: what it actually executed."""

from __future__ import annotations

import json
import signal

import pytest

from ossimg_local.backfill.inventory import Inventory
from ossimg_local.up import role_credentials

from .backfill_kit import VARIANTS, made, oss_args, photo, put_photos, rules_file, run_cli, start_cli, stop_at, writes

# May list the uploads and read both buckets; may write nothing at all.
READ_ONLY = [{"Version": "1", "Statement": [
    {"Effect": "Allow", "Action": ["oss:ListObjects"], "Resource": ["acs:oss:*:*:ossimg-uploads"]},
    {"Effect": "Allow", "Action": ["oss:GetObject"],
     "Resource": ["acs:oss:*:*:ossimg-uploads/*", "acs:oss:*:*:ossimg-variants/*"]},
]}]  # fmt: skip


class Fill:
    """``fill(*args)``: ``ossimg backfill`` with the test's rules (of ossimg-uploads unless the arguments name
    other objects); (exit code, output)."""

    def __init__(self, cloud, tmp_path, capsys) -> None:
        self.cloud, self.tmp, self.capsys = cloud, tmp_path, capsys

    def __call__(self, *args, rules=None, key=None, name="run"):
        where = [] if {"--inventory", "--redrive"} & set(args) else ["--bucket", "ossimg-uploads"]
        return run_cli(self.capsys, "backfill", *where, "--rules", str(rules or rules_file(self.tmp)),
                       "--checkpoint", str(self.tmp / f"{name}.checkpoint.json"), "--no-progress",
                       *oss_args(self.cloud, key), *args)  # fmt: skip


@pytest.fixture(name="fill")
def _fill(cloud, tmp_path, capsys):
    return Fill(cloud, tmp_path, capsys)


def by_variant(output: str) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = json.loads(output)["by_variant"]
    return counts


def test_every_variant_is_made_once_and_a_second_run_makes_none(cloud, fill):
    keys = put_photos(cloud, 40)
    cloud.bucket("ossimg-uploads").put_object("photos/notes.txt", b"no rule wants this")
    code, out = fill("--json")
    assert code == 0
    summary = json.loads(out)
    assert (summary["listed"], summary["matched"], summary["done"], summary["failed"], summary["no_rule"]) == (
        41, 40, 40, 0, 1,
    )  # fmt: skip
    assert made(cloud) == dict.fromkeys(keys, 2)  # two variants each, one IMG call each
    assert by_variant(out) == {v: {"ok": 40} for v in VARIANTS}
    assert cloud.image("ossimg-variants", "tiny/photos/a/p00000.png") == ((8, 6), "PNG")
    code, out = fill("--json")
    assert code == 0
    assert made(cloud) == dict.fromkeys(keys, 2)  # nothing new: lineage found every variant current
    assert by_variant(out) == {v: {"up-to-date": 40} for v in VARIANTS}


def test_a_dry_run_writes_nothing_under_a_read_only_role_and_predicts_the_run(cloud, fill):
    keys = put_photos(cloud, 30)
    assert fill("--prefix", "photos/a/")[0] == 0  # half of them already have their variants
    cloud.backend.faults.reset()
    cloud.backend.denials.clear()
    reader = role_credentials(cloud.backend, READ_ONLY)
    code, out = fill("--dry-run", "--json", key=(reader.access_key_id, reader.access_key_secret,
                                                  reader.security_token))  # fmt: skip
    assert code == 0
    assert writes(cloud) == 0
    assert list(cloud.backend.denials) == []  # it never even tried to write
    predicted = json.loads(out)
    assert predicted["img_calls"] == 30
    assert predicted["variants"] == {v: {"matched": 30, "up_to_date": 15, "img_calls": 15, "skipped": 0, "failed": 0}
                                     for v in VARIANTS}  # fmt: skip
    code, out = fill("--json")
    assert code == 0
    assert sum(made(cloud).values()) == predicted["img_calls"]
    assert by_variant(out) == {v: {"ok": 15, "up-to-date": 15} for v in VARIANTS}
    assert set(made(cloud)) == {k for k in keys if k.startswith("photos/b/")}


def test_a_role_that_may_only_read_cannot_write(cloud):
    reader = role_credentials(cloud.backend, READ_ONLY)
    import oss2

    bucket = oss2.Bucket(oss2.StsAuth(reader.access_key_id, reader.access_key_secret, reader.security_token),
                         cloud.endpoint, "ossimg-variants")  # fmt: skip
    with pytest.raises(oss2.exceptions.AccessDenied):
        bucket.put_object("small/x.jpg", b"x")


def test_editing_one_variants_chain_redoes_that_variant_only(cloud, fill, tmp_path):
    keys = put_photos(cloud, 20)
    assert fill()[0] == 0
    small_before = cloud.bucket("ossimg-variants").head_object("small/photos/a/p00000.jpg").etag
    code, out = fill("--json", rules=rules_file(tmp_path, tiny=9))
    assert code == 0
    assert by_variant(out) == {"photos/#small": {"up-to-date": 20}, "photos/#tiny": {"ok": 20}}
    assert made(cloud) == dict.fromkeys(keys, 3)  # each photo: small once, tiny twice (old chain, new chain)
    assert cloud.image("ossimg-variants", "tiny/photos/a/p00000.png")[0] == (9, 7)
    assert cloud.bucket("ossimg-variants").head_object("small/photos/a/p00000.jpg").etag == small_before


def test_an_inventory_is_read_as_oss_delivers_it(cloud, fill, capsys):
    keys = put_photos(cloud, 25)
    code, out = run_cli(capsys, "inventory", "--bucket", "ossimg-uploads", "--dest", "oss://ossimg-variants/inv",
                        "--rows", "10", *oss_args(cloud))  # fmt: skip
    assert code == 0
    manifest = out.strip()
    assert manifest.startswith("oss://ossimg-variants/inv/ossimg-uploads/ossimg/")
    assert manifest.endswith("/manifest.json")
    doc = json.loads(cloud.bucket("ossimg-variants").get_object(manifest.split("/", 3)[3]).read())
    assert [f["key"].rsplit("/", 1)[1].split(".")[0][-2:] for f in doc["files"]][1:] == ["-1", "-2"]  # uuid, uuid-1 …
    code, out = fill("--inventory", manifest, "--dry-run", "--json")
    assert code == 0
    assert json.loads(out)["img_calls"] == 50
    code, out = fill("--inventory", manifest, "--json", name="inventory")
    assert code == 0
    assert json.loads(out)["done"] == 25
    assert made(cloud) == dict.fromkeys(keys, 2)


def test_the_inventory_writer_and_reader_agree_on_every_key(cloud, capsys):
    # A space, a '+', a '%' (bare, and before hex digits), an encoded-looking slash, CJK: each its own object.
    keys = sorted(["photos/a b.jpg", "photos/a+b.jpg", "photos/100%.jpg", "photos/%41.jpg", "photos/x%2Fy.jpg",
                   "photos/猫 の+写真.jpg"])  # fmt: skip
    for key in keys:
        cloud.bucket("ossimg-uploads").put_object(key, b"x")
    code, out = run_cli(capsys, "inventory", "--bucket", "ossimg-uploads", "--dest", "oss://ossimg-variants/inv",
                        *oss_args(cloud))  # fmt: skip
    assert code == 0
    inventory = Inventory(lambda name: cloud.bucket(name), out.strip())
    assert [entry.key for entry, _ in inventory.entries(None)] == keys


@pytest.mark.parametrize(("since", "until", "matched"), [
    ("2000-01-01", "2999-01-01", 6), ("2999-01-01", None, 0), (None, "2000-01-01", 0),
])  # fmt: skip
def test_since_and_until_choose_by_last_modified(cloud, fill, since, until, matched):
    put_photos(cloud, 6)
    window = [*(["--since", since] if since else []), *(["--until", until] if until else [])]
    code, out = fill("--dry-run", "--json", *window)
    assert code == 0
    counts = json.loads(out)["counts"]
    assert (counts["matched"], counts["outside"]) == (matched, 6 - matched)


def test_ctrl_c_then_the_same_command_resumes_and_makes_every_variant_once(cloud, tmp_path):
    keys = put_photos(cloud, 120)
    checkpoint = tmp_path / "run.checkpoint.json"
    args = ["backfill", "--bucket", "ossimg-uploads", "--rules", str(rules_file(tmp_path)), "--checkpoint",
            str(checkpoint), "--batch", "4", "--workers", "2", "--no-progress", "--json", *oss_args(cloud)]  # fmt: skip
    first = start_cli(*args, log=tmp_path / "first.log")
    stopped = stop_at(first, checkpoint, "done", 40, signal.SIGINT)
    assert first.returncode == 130, (tmp_path / "first.log").read_text()
    assert "the same command to resume" in (tmp_path / "first.log").read_text()
    assert stopped["done"] < 120
    second = start_cli(*args, log=tmp_path / "second.log")
    assert second.wait(timeout=300) == 0, (tmp_path / "second.log").read_text()
    summary = json.loads((tmp_path / "second.log").read_text().splitlines()[-1])
    assert (summary["listed"], summary["dispatched"], summary["done"], summary["failed"]) == (120, 120, 120, 0)
    assert made(cloud) == dict.fromkeys(keys, 2)
    assert not checkpoint.exists()  # finished: a new run starts a new pass


def test_what_fails_is_written_and_can_be_re_driven(cloud, fill, tmp_path):
    keys = put_photos(cloud, 8)
    rules = rules_file(tmp_path)
    # small saves into a bucket that does not exist yet: a permanent failure of every photo's small
    text = rules.read_text().replace("bucket: ossimg-variants\n      tiny", "bucket: ossimg-later\n      tiny")
    rules.write_text(text)
    code, out = fill("--json", rules=rules)
    assert code == 1
    summary = json.loads(out)
    assert (summary["done"], summary["failed"]) == (0, 8)
    failures = tmp_path / "run.failures.jsonl"
    lines = [json.loads(line) for line in failures.read_text().splitlines()]
    assert len(lines) == 8
    assert all("NoSuchBucket" in line["error"] for line in lines)
    cloud.bucket("ossimg-later").create_bucket()
    code, out = fill("--redrive", str(failures), "--json", rules=rules, name="redrive")
    assert code == 0
    assert json.loads(out)["done"] == 8
    assert by_variant(out) == {"photos/#small": {"ok": 8}, "photos/#tiny": {"up-to-date": 8}}
    assert made(cloud) == dict.fromkeys(keys, 2)  # tiny made by the first run, small by the re-drive


def test_an_object_whose_variant_key_cannot_be_made_is_a_failure_written_for_re_drive(cloud, fill, tmp_path):
    keys = put_photos(cloud, 2)
    # 1,020 bytes: a key OSS takes (at most 1,023), whose variants' keys (small/…, tiny/….png) it would not
    long_key = "photos/" + "x" * 1009 + ".jpg"
    cloud.bucket("ossimg-uploads").put_object(long_key, photo())
    code, out = fill("--json")
    assert code == 1
    summary = json.loads(out)
    assert (summary["done"], summary["failed"]) == (2, 1)
    (line,) = [json.loads(text) for text in (tmp_path / "run.failures.jsonl").read_text().splitlines()]
    assert [r["oss"]["object"]["key"] for r in line["event"]["events"]] == [long_key]
    assert line["error"].startswith("photos/#small: InvalidKey: output key: the key is longer than 1023 bytes")
    assert made(cloud) == dict.fromkeys(keys, 2)
