"""Every failure a user can cause ends in one line on stderr, never a traceback, with the exit code the
README's "Exit codes" table gives: 1 a check failed, 2 the command cannot run as asked, 130
interrupted, 141 the output was closed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ossimg_local.fc.api import FcApi
from ossimg_local.serving import ThreadedServer

ROOT = Path(__file__).resolve().parents[2]
BAD_RULES = """\
version: 1
rules:
  uploads/:
    variants:
      thumb: {ops: [{resize: {w: 0}}], key: "thumbs/{key}"}
"""
DEPLOY = ["--account-id", "1234567890123456", "--role", "acs:ram::1234567890123456:role/r",
          "--invocation-role", "acs:ram::1234567890123456:role/i"]  # fmt: skip


def ossimg(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ossimg_local.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, **(env or {})}, timeout=120, check=False)  # fmt: skip


def one_line(done: subprocess.CompletedProcess[str], command: str) -> str:
    """The single line the command wrote to stderr (asserting there is exactly one, and no traceback)."""
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"ossimg {command}: "), lines[0]
    return lines[0]


@pytest.fixture(name="held_port")
def _held_port() -> Iterator[int]:
    """A port another program listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.fixture(name="bad_rules")
def _bad_rules(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_RULES, encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["up", "emulator"])
def test_a_port_in_use(command, held_port, tmp_path):
    build = ["--build", str(tmp_path / "b")] if command == "up" else []
    done = ossimg(command, "--port", str(held_port), "--data", str(tmp_path / "data"), *build)
    line = one_line(done, command)
    assert f"port {held_port} on 127.0.0.1 is in use" in line
    assert done.returncode == 2


@pytest.mark.parametrize("command", ["demo", "up", "build", "try"])
def test_outside_the_repository(command, tmp_path):
    args = ["photo.jpg"] if command == "try" else []
    done = ossimg(command, *args, cwd=tmp_path)
    line = one_line(done, command)
    assert f"no template.yml in {tmp_path}: run ossimg from the repository's root" in line
    assert done.returncode == 2


@pytest.mark.parametrize("command", ["up", "build", "try", "demo"])
def test_bad_rules_cite_the_users_file_and_build_nothing(command, bad_rules, tmp_path):
    build = tmp_path / "build"
    args = [str(ROOT / "README.md")] if command == "try" else []
    done = ossimg(command, *args, "--rules", str(bad_rules), *(["--out", str(build)] if command == "build" else []),
                  *(["--build", str(build)] if command != "build" else []))  # fmt: skip
    line = one_line(done, command)
    assert line.startswith(f"ossimg {command}: {bad_rules}:5: rules['uploads/'].variants.thumb.ops")
    assert done.returncode == 1
    assert not build.exists()  # refused before anything was built


@pytest.mark.parametrize(
    ("args", "command", "says"),
    [
        (["up", "--rules", "missing.yaml"], "up", "no rules file at"),
        (["build", "--rules", "missing.yaml"], "build", "no rules file at"),
        (["try", "no-such-photo.jpg"], "try", "no such photo: no-such-photo.jpg"),
        (["demo", "--event", "events/no-such.json"], "demo", "no such event file:"),
        (["validate", "missing.yaml"], "validate", "cannot read the rule file"),
        (["emulator", "--data", "d", "--fault", "process:2:boom"], "emulator", "--fault:"),
        (["up", "--instances", "0"], "up", "--instances must be at least 1, not 0"),
    ],
)
def test_missing_files_and_bad_values(args, command, says):
    done = ossimg(*args)
    if command == "validate":  # validate reports the rules' problems as its result, on stderr
        problem = "  missing.yaml: cannot read the rule file (No such file or directory)."
        assert done.stderr.splitlines() == ["1 problem in the rules:", problem]
        assert done.returncode == 1
        return
    assert says in one_line(done, command)
    assert done.returncode == 2


def test_deploy_without_keys():
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": ""}
    done = ossimg("deploy", "--endpoint", "http://127.0.0.1:9", *DEPLOY, env=env)
    assert "set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET" in one_line(done, "deploy")
    assert done.returncode == 2


@pytest.fixture(name="built")
def _built(tmp_path: Path) -> Path:
    out = tmp_path / "build"
    done = ossimg("build", "--out", str(out))  # deploy refuses a build without its dependencies
    assert done.returncode == 0, done.stderr
    return out


KEYS = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI-wrong", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "wrong-secret"}


def test_deploy_to_an_endpoint_that_does_not_answer(built):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    done = ossimg("deploy", "--endpoint", f"http://127.0.0.1:{closed}", "--build", str(built), *DEPLOY, env=KEYS)
    line = one_line(done, "deploy")
    assert f"cannot reach FC at http://127.0.0.1:{closed} (" in line
    assert done.returncode == 2


def test_deploy_with_keys_fc_refuses(built, tmp_path):
    api = FcApi("LTAI-fc-admin", "fc-admin-secret", tmp_path / "fc", lambda: None)  # type: ignore[arg-type]
    try:
        with ThreadedServer(api) as server:
            done = ossimg("deploy", "--endpoint", server.endpoint, "--build", str(built), *DEPLOY, env=KEYS)
    finally:
        api.close()
    line = one_line(done, "deploy")
    assert "FC answered 403 InvalidAccessKeyID: access key id 'LTAI-wrong' does not exist" in line
    assert "check ALIBABA_CLOUD_ACCESS_KEY_ID: FC knows no such key" in line
    assert done.returncode == 2


def test_a_closed_pipe_ends_quietly():
    # `ossimg schema | head -1`, with the reader already gone (deterministic: no pipe buffer to fill first).
    read, write = os.pipe()
    os.close(read)
    try:
        done = subprocess.run([sys.executable, "-m", "ossimg_local.cli", "schema"], stdout=write,
                              stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=60, check=False)  # fmt: skip
    finally:
        os.close(write)
    assert done.returncode == 141
    assert done.stderr == ""


def wait_for(proc: subprocess.Popen[str], text: str) -> list[str]:
    """Lines of ``proc``'s stdout up to the one containing ``text``."""
    seen = []
    assert proc.stdout is not None
    for line in proc.stdout:
        seen.append(line)
        if text in line:
            return seen
    raise AssertionError(f"{text!r} never came:\n{''.join(seen)}")


@pytest.mark.slow
def test_ctrl_c_stops_the_demo_with_one_line(tmp_path):
    with subprocess.Popen([sys.executable, "-m", "ossimg_local.cli", "demo", "--out", str(tmp_path / "out"),
                           "--build", str(tmp_path / "build")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, cwd=ROOT) as proc:  # fmt: skip
        wait_for(proc, "== events/")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err
    assert err.splitlines() == ["ossimg demo: interrupted"]
    assert proc.returncode == 130


@pytest.mark.slow
def test_ctrl_c_stops_up_as_it_should(tmp_path):
    with subprocess.Popen([sys.executable, "-m", "ossimg_local.cli", "up", "--port", "0", "--data",
                           str(tmp_path / "data"), "--build", str(tmp_path / "build")], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, cwd=ROOT) as proc:  # fmt: skip
        wait_for(proc, "gallery")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert "Traceback" not in err + out
    assert out.splitlines()[-1].startswith("stopping: the instances end, the emulator's data stays in")
    assert proc.returncode == 0
