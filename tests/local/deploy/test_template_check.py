"""`ossimg template --check`: template.yml and the rules agree, or each trigger or role statement that
differs is named; `ossimg build` stops on a disagreement; `ossimg roles` prints every role's documents."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest

from ossimg.rules.load import load_rules
from ossimg_local.cli import main
from ossimg_local.deploy.needs import trigger_needs

ROOT = Path(__file__).resolve().parents[3]
RULES = ROOT / "rules" / "example.yaml"


def run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(name="repo")
def _repo(tmp_path):
    """A copy of template.yml and the example rules to edit."""
    shutil.copy(ROOT / "template.yml", tmp_path / "template.yml")
    shutil.copy(RULES, tmp_path / "rules.yaml")
    return tmp_path


def test_the_repository_agrees_with_itself(capsys):
    code, out, err = run(capsys, "template", "--check", "--root", str(ROOT), "--rules", str(RULES))
    assert (code, err) == (0, "")
    assert out.startswith("template.yml agrees with")


def test_a_rule_whose_prefix_no_trigger_delivers_is_named(capsys, repo):
    rules = repo / "rules.yaml"
    rules.write_text(rules.read_text().replace("  avatars/:", "  profile-pictures/:"))
    code, _, err = run(capsys, "template", "--check", "--root", str(repo), "--rules", str(rules))
    assert code == 1
    lines = err.splitlines()
    assert (
        "template.yml: ossimg/on_upload: no OSS trigger delivers uploads to oss://ossimg-uploads/profile-pictures/* "
        "(rule 'profile-pictures/'): add trigger 'profile-pictures' (`ossimg template` prints it)"
    ) in lines
    assert (
        "template.yml: ossimg/on_upload: trigger 'avatars' (oss://ossimg-uploads/avatars/*) matches no rule: "
        "every upload it delivers would invoke the function for nothing"
    ) in lines
    assert lines[-1].startswith("ossimg template: ")


def test_a_role_missing_an_action_the_code_performs_is_named(capsys, repo):
    template = repo / "template.yml"
    text = template.read_text()
    claims = "                - oss:PutObject\n                - oss:GetObject\n                - oss:DeleteObject\n"
    assert claims in text
    template.write_text(text.replace(claims, "                - oss:PutObject\n                - oss:GetObject\n"))
    code, _, err = run(capsys, "template", "--check", "--root", str(repo), "--rules", str(RULES))
    assert code == 1
    why = "(Claims (ossimg/claims.py): create (x-oss-forbid-overwrite), read a held one's age, delete.)"
    lacks = "template.yml: ossimg/on_upload: the role lacks oss:DeleteObject on"
    assert err.splitlines()[0] == f"{lacks} acs:oss:*:*:ossimg-uploads/.ossimg/claims/* {why}"


def test_rules_kept_in_oss_need_that_object(capsys, repo):
    template = repo / "template.yml"
    template.write_text(
        template.read_text().replace("OSSIMG_RULES: rules.yaml", "OSSIMG_RULES: oss://ossimg-config/rules.yaml")
    )
    code, _, err = run(capsys, "template", "--check", "--root", str(repo), "--rules", str(RULES))
    assert code == 1
    assert "the role lacks oss:GetObject on acs:oss:*:*:ossimg-config/rules.yaml (The rules object" in err


def test_build_stops_when_the_template_and_rules_disagree(capsys, repo, tmp_path):
    rules = repo / "rules.yaml"
    rules.write_text(rules.read_text().replace("  avatars/:", "  profile-pictures/:"))
    code, out, err = run(capsys, "build", "--root", str(repo), "--rules", str(rules), "--out", str(tmp_path / "b"))
    assert (code, out) == (1, "")
    assert err.splitlines()[-1] == f"ossimg build: template.yml does not agree with {rules} (`ossimg template --check`)"
    assert not (tmp_path / "b").exists()


def test_template_prints_what_the_rules_need(capsys):
    code, out, _ = run(capsys, "template", "--root", str(ROOT), "--rules", str(RULES))
    assert code == 0
    assert (
        "        uploads:\n          Type: OSS\n          Properties:\n            BucketName: ossimg-uploads\n" in out
    )
    assert "                - log:PostLogStoreLogs\n" in out


def documents(text, command):
    """The JSON documents of each ``aliyun ram <command>`` line, by the name it creates or attaches."""
    found = {}
    for line in text.splitlines():
        words = shlex.split(line) if line.startswith("aliyun ram ") else []
        if words[2:3] == [command]:
            name = words[words.index("--RoleName" if command == "CreateRole" else "--PolicyName") + 1]
            found[name] = json.loads(words[-1])
    return found


def test_roles_prints_each_role_trusted_by_its_service(capsys):
    code, out, _ = run(capsys, "roles", "--root", str(ROOT), "--rules", str(RULES), "--account-id", "1234567890123456")
    assert code == 0
    trusts = {name: doc["Statement"][0]["Principal"]["Service"] for name, doc in documents(out, "CreateRole").items()}
    assert trusts == {"ossimg-fc": ["fc.aliyuncs.com"], "ossimg-oss-invoke": ["oss.aliyuncs.com"]}
    policies = documents(out, "CreatePolicy")
    assert policies["ossimg-oss-invoke-policy"]["Statement"] == [{
        "Effect": "Allow", "Action": ["fc:InvokeFunction"],
        "Resource": ["acs:fc:cn-hangzhou:1234567890123456:services/ossimg/functions/on_upload"]}]  # fmt: skip
    service = {(a, r) for s in policies["ossimg-fc-policy"]["Statement"] for a in s["Action"] for r in s["Resource"]}
    assert ("log:PostLogStoreLogs", "acs:log:*:*:project/ossimg-logs/logstore/on-upload") in service
    deployer = {a: s["Resource"] for s in policies["ossimg-deployer"]["Statement"] for a in s["Action"]}
    assert deployer["ram:PassRole"] == ["acs:ram::1234567890123456:role/ossimg-fc",
                                        "acs:ram::1234567890123456:role/ossimg-oss-invoke"]  # fmt: skip
    assert deployer["oss:PutBucketEventNotification"] == ["acs:oss:*:1234567890123456:ossimg-uploads"]
    assert "fc:DeleteTrigger" in deployer


def test_up_stops_when_the_template_and_rules_disagree(capsys, repo, tmp_path):
    """Else the uploads of a prefix no trigger delivers would be silently ignored by the local cloud."""
    rules = repo / "rules.yaml"
    rules.write_text(rules.read_text().replace("  avatars/:", "  profile-pictures/:"))
    code, out, err = run(capsys, "up", "--root", str(repo), "--rules", str(rules), "--port", "0", "--data",
                         str(tmp_path / "data"), "--build", str(tmp_path / "b"))  # fmt: skip
    assert (code, out) == (1, "")
    assert "no OSS trigger delivers uploads to oss://ossimg-uploads/profile-pictures/*" in err
    assert err.splitlines()[-1] == f"ossimg up: template.yml does not agree with {rules} (`ossimg template --check`)"


def test_a_rule_that_removes_its_variants_needs_the_deletions_and_the_right_to_delete(capsys, repo):
    rules = repo / "rules.yaml"
    rules.write_text(rules.read_text().replace("  avatars/:\n", "  avatars/:\n    on_delete: remove\n"))
    code, _, err = run(capsys, "template", "--check", "--root", str(repo), "--rules", str(rules))
    assert code == 1
    lines = err.splitlines()
    lacks = "template.yml: ossimg/on_upload: the role lacks oss:DeleteObject on"
    why = "(on_delete: remove deletes the variants of a deleted source (ossimg/lifecycle.py).)"
    assert f"{lacks} acs:oss:*:*:ossimg-uploads/variants/avatars/* {why}" in lines
    [trigger] = [line for line in lines if "trigger 'avatars'" in line]
    assert "oss:ObjectRemoved:DeleteObject, oss:ObjectRemoved:DeleteObjects" in trigger


CLASHING = """
version: 1
rules:
  a/b/: {bucket: upl, variants: {v: {ops: "image/resize,w_10", key: "out/1/{key}", bucket: out}}}
  a-b/: {bucket: upl, variants: {v: {ops: "image/resize,w_10", key: "out/2/{key}", bucket: out}}}
  照片/: {bucket: upl, variants: {v: {ops: "image/resize,w_10", key: "out/3/{key}", bucket: out}}}
  图片/: {bucket: upl, variants: {v: {ops: "image/resize,w_10", key: "out/4/{key}", bucket: out}}}
  photos/: {bucket: upl, variants: {v: {ops: "image/resize,w_10", key: "out/5/{key}", bucket: out}}}
"""


def test_every_trigger_has_a_name_of_its_own(tmp_path):
    """FC keys a function's triggers by name: places whose readable names clash get a digest of the place."""
    rules = tmp_path / "clashing.yaml"
    rules.write_text(CLASHING, encoding="utf-8")
    names = {need.where(): need.name for need in trigger_needs(load_rules(rules))}
    assert len(set(names.values())) == 5
    assert names["oss://upl/photos/*"] == "photos"  # no clash: the readable name alone
    for where in ("oss://upl/a/b/*", "oss://upl/a-b/*"):
        assert re.fullmatch(r"a-b-[0-9a-f]{8}", names[where])
    for where in ("oss://upl/照片/*", "oss://upl/图片/*"):
        assert re.fullmatch(r"upl-[0-9a-f]{8}", names[where])


def test_a_template_yaml_cannot_read_is_one_line_with_its_place(capsys, repo):
    template = repo / "template.yml"
    text = template.read_text()
    events = "      Events:\n"
    assert events in text
    template.write_text(text.replace(events, events + "        uploads:\n          Type: OSS\n", 1))
    code, _, err = run(capsys, "template", "--check", "--root", str(repo), "--rules", str(RULES))
    assert code == 1
    (line,) = err.splitlines()
    assert re.fullmatch(rf"ossimg template: {re.escape(str(template))}:\d+: found duplicate key \"uploads\".*", line)
