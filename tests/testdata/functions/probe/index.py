"""A function for testing the local FC runner: the event (JSON) says what to do.

Standard library only, like a bare FC function: anything else it imports must come from its folder.
"""

import json
import os
import sys
import time
import uuid
from pathlib import Path

INITIALIZED = []
KEPT = []


def initialize(context):
    """Counts its runs; PROBE_INIT_SLEEP delays it, PROBE_INIT_FAIL makes it raise."""
    print("initializing in", os.getpid())
    time.sleep(float(os.environ.get("PROBE_INIT_SLEEP", "0")))
    if os.environ.get("PROBE_INIT_FAIL"):
        raise RuntimeError(os.environ["PROBE_INIT_FAIL"])
    INITIALIZED.append(context.request_id)


def handler(event, context):
    """Dispatch on the event's ``op``."""
    doc = json.loads(event)
    if doc["op"] == "describe":
        return json.dumps(describe(event, context))
    return json.dumps(OPS[doc["op"]](doc))


def describe(event, context):
    """What the instance sees: the event's type, the context, the environment, the interpreter."""

    def fields(value):
        return None if value is None else dict(vars(value))

    return {
        "event_type": type(event).__name__,
        "request_id": context.request_id,
        "top_level": sorted(vars(context)),
        "credentials": fields(getattr(context, "credentials", None)),
        "service": fields(getattr(context, "service", None)),
        "function": fields(context.function),
        "region": context.region,
        "account_id": context.account_id,
        "env": dict(os.environ),
        "sys_path": sys.path,
        "cwd": str(Path.cwd()),
        "python": "{}.{}".format(*sys.version_info[:2]),
        "flags": {"isolated": sys.flags.isolated, "no_site": sys.flags.no_site},
        "pid": os.getpid(),
        "initialized": list(INITIALIZED),
    }


def sleep(doc):
    time.sleep(doc["seconds"])
    return {"slept": doc["seconds"]}


def allocate(doc):
    block = bytearray(doc["mb"] * 1024 * 1024)
    for i in range(0, len(block), 4096):  # touch every page: resident, not just reserved
        block[i] = 1
    KEPT.append(block)
    return {"allocated_mb": doc["mb"]}


def fail(doc):
    raise ValueError(doc["message"])


def exit_now(doc):
    print("about to exit with", doc["code"])
    os._exit(doc["code"])


def say(doc):
    for line in doc["lines"]:
        print(line)
    sys.stderr.write(doc.get("stderr", ""))
    sys.stdout.write(doc.get("tail", ""))
    return {"said": len(doc["lines"])}


def load(doc):
    __import__(doc["module"])
    return {"imported": doc["module"]}


def barrier(doc):
    """Arrive, then wait until ``parties`` invocations have arrived: met only if they run at once."""
    folder = Path(doc["dir"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / uuid.uuid4().hex).touch()
    deadline = time.monotonic() + doc["timeout"]
    while time.monotonic() < deadline:
        if len(list(folder.iterdir())) >= doc["parties"]:
            return {"met": True, "pid": os.getpid()}
        time.sleep(0.01)
    return {"met": False, "pid": os.getpid()}


def flaky(doc):
    """Fail the first ``times`` calls (counted in the file ``state``), then succeed."""
    state = Path(doc["state"])
    count = int(state.read_text()) + 1 if state.exists() else 1
    state.write_text(str(count))
    if count <= doc["times"]:
        raise RuntimeError(f"call {count} fails")
    return {"calls": count}


OPS = {
    "sleep": sleep, "allocate": allocate, "fail": fail, "exit": exit_now, "say": say, "import": load,
    "barrier": barrier, "flaky": flaky,
}  # fmt: skip
