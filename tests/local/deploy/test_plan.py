"""The pieces of a plan: ARNs completed as fun completes them, the code's checksum, a reproducible zip."""

from __future__ import annotations

import os

import pytest

from ossimg_local.deploy.apply import checksum, code_zip
from ossimg_local.deploy.plan import Target, differs

TARGET = Target("cn-shanghai", "1234567890123456", "acs:ram::1234567890123456:role/r", "acs:ram::1:role/i")


@pytest.mark.parametrize(
    ("written", "sent"),
    [
        # funcraft function-async-config.js: OnFailure.replace(':::', `:${region}:${accountId}:`)
        ("acs:mns:::/queues/q/messages", "acs:mns:cn-shanghai:1234567890123456:/queues/q/messages"),
        ("acs:mns:cn-hangzhou:42:/queues/q/messages", "acs:mns:cn-hangzhou:42:/queues/q/messages"),
    ],
)
def test_destinations_get_the_deploys_region_and_account(written, sent):
    assert TARGET.complete(written) == sent


def test_the_code_checksum_is_crc64_ecma():
    assert checksum(b"123456789") == str(0x995DC9BBDF1939FA)  # CRC-64/XZ check value (CRC catalogue)


def test_the_same_build_makes_the_same_zip(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "index.py").write_text("x = 1\n")
    first = code_zip(tmp_path / "b")
    os.utime(tmp_path / "b" / "index.py", (1, 1))  # a rebuild touches every file
    assert code_zip(tmp_path / "b") == first


@pytest.mark.parametrize(
    ("want", "have", "changed"),
    [
        ({"memorySize": 256}, {"memorySize": 256, "functionId": "x"}, ()),  # FC's own fields are not compared
        ({"memorySize": 512}, {"memorySize": 256}, ("memorySize",)),
        ({"initializer": None}, {"initializer": ""}, ()),
        ({"codeChecksum": "1"}, {"codeChecksum": "2"}, ("code",)),
        ({"destinationConfig": {}}, {"destinationConfig": {"onFailure": {"destination": "q"}}}, ("destinationConfig",)),
        ({"environmentVariables": {"A": "1"}}, {"environmentVariables": {"A": "1", "B": "2"}},
         ("environmentVariables",)),
    ],
)  # fmt: skip
def test_differs_names_the_fields_fc_holds_otherwise(want, have, changed):
    assert differs(want, have) == changed
