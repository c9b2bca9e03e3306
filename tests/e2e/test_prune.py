"""``ossimg prune``: the variants no rule makes any more, or whose source is gone, found by what each one
records and by the current rules; ``--dry-run`` only lists them, a real run deletes exactly them."""

from __future__ import annotations

import json

import pytest

from .backfill_kit import made, oss_args, put_photos, run_cli, writes

RULES = """
version: 1
region: cn-hangzhou
rules:
  photos/:
    bucket: ossimg-uploads
    on_delete: remove
    variants:
      small: {ops: [{resize: {w: 16}}], key: "small/{key}", bucket: ossimg-variants}
  albums/:
    bucket: ossimg-uploads
    variants:
      cover: {ops: [{resize: {w: 16}}], key: "covers/{key}", bucket: ossimg-variants}
"""
PHOTOS_ONLY = RULES.split("  albums/:")[0]


class World:
    """Photos and albums with their variants made by a backfill; ``prune(rules, *args)`` runs the command."""

    def __init__(self, cloud, tmp_path, capsys) -> None:
        self.cloud, self.tmp, self.capsys = cloud, tmp_path, capsys
        self.photos = put_photos(cloud, 6)
        self.albums = put_photos(cloud, 4, prefix="albums/")
        code, _ = self.run("backfill", RULES, "--bucket", "ossimg-uploads", "--no-progress", "--checkpoint",
                           str(tmp_path / "fill.checkpoint.json"))  # fmt: skip
        assert code == 0
        assert len(made(cloud)) == 10

    def run(self, command, rules, *args):
        path = self.tmp / f"rules-{abs(hash(rules))}.yaml"
        path.write_text(rules, encoding="utf-8")
        return run_cli(self.capsys, command, "--rules", str(path), *oss_args(self.cloud), *args)

    def prune(self, rules, *args):
        code, out = self.run("prune", rules, "--bucket", "ossimg-variants", "--json", *args)
        return code, json.loads(out)

    def variants(self):
        return sorted(o.key for o in self.cloud.bucket("ossimg-variants").list_objects(max_keys=1000).object_list)


@pytest.fixture(name="world")
def _world(cloud, tmp_path, capsys):
    return World(cloud, tmp_path, capsys)


def test_nothing_to_prune_while_the_rules_make_everything(world):
    code, report = world.prune(RULES)
    assert code == 0
    assert (report["counts"], report["orphans"]) == ({"live": 10}, [])


def test_deleting_a_rule_orphans_its_variants_which_a_dry_run_lists_and_a_run_deletes(world, cloud):
    before = world.variants()
    cloud.backend.faults.reset()
    code, report = world.prune(PHOTOS_ONLY, "--dry-run")
    assert code == 0
    assert writes(cloud) == 0
    assert report["counts"] == {"live": 6, "orphan": 4}
    assert sorted(o["key"] for o in report["orphans"]) == sorted(f"covers/{key}" for key in world.albums)
    assert report["orphans"][0]["reason"].startswith("no rule makes it from ossimg-uploads/albums/")
    assert world.variants() == before
    code, report = world.prune(PHOTOS_ONLY)
    assert (code, report["removed"]) == (0, 4)
    assert world.variants() == sorted(f"small/{key}" for key in world.photos)
    assert world.prune(PHOTOS_ONLY)[1]["counts"] == {"live": 6}


def test_a_changed_key_template_orphans_what_the_old_one_wrote(world):
    moved = RULES.replace('key: "covers/{key}"', 'key: "covers/v2/{key}"')
    report = world.prune(moved, "--dry-run")[1]
    assert report["counts"] == {"live": 6, "orphan": 4}


def test_a_deleted_source_orphans_its_variants_unless_its_rule_keeps_them(world, cloud):
    uploads = cloud.bucket("ossimg-uploads")
    uploads.delete_object(world.photos[0])  # on_delete: remove, but the delete event never came
    uploads.delete_object(world.albums[0])  # on_delete: keep
    report = world.prune(RULES, "--dry-run")[1]
    assert report["counts"] == {"live": 8, "orphan": 1, "kept": 1}
    (orphan,) = report["orphans"]
    assert orphan["key"] == f"small/{world.photos[0]}"
    assert orphan["reason"] == (f"ossimg-uploads/{world.photos[0]} was deleted and rule 'photos/' removes its "
                                "variants (the delete was not processed)")  # fmt: skip


def test_what_ossimg_did_not_make_is_never_judged(world, cloud):
    variants = cloud.bucket("ossimg-variants")
    variants.put_object("covers/hand-made.jpg", b"not ours")
    variants.put_object(".ossimg/claims/0123", b"")
    report = world.prune(PHOTOS_ONLY)[1]
    assert report["counts"] == {"live": 6, "orphan": 4, "unjudged": 2}
    assert variants.object_exists("covers/hand-made.jpg")
    assert variants.object_exists(".ossimg/claims/0123")


def test_a_deleted_sources_variant_is_kept_by_the_rule_that_made_it_whatever_matching_needs(world, cloud):
    """The rule is found by the identity the variant records: matching the deleted key again would need
    its Content-Type, which only the source knew (here a key without a suffix, uploaded as image/jpeg)."""
    typed = RULES.replace("  albums/:\n", '  albums/:\n    content_type: ["image/*"]\n')
    made_by_function = {
        "x-oss-meta-ossimg-source": "ossimg-uploads/albums/raw1",
        "x-oss-meta-ossimg-variant": "albums/#cover",
    }
    cloud.bucket("ossimg-variants").put_object("covers/albums/raw1", b"a variant", headers=made_by_function)
    code, report = world.prune(typed)  # the source albums/raw1 is gone, and its rule keeps its variants
    assert code == 0
    assert report["counts"] == {"live": 10, "kept": 1}
    assert cloud.bucket("ossimg-variants").object_exists("covers/albums/raw1")
