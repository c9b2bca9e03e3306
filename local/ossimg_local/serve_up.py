"""``make up`` / ``ossimg up`` as a daily tool: what runs where (a startup summary with a command to
paste), the live gallery at ``/_ossimg/`` on the emulator's port, one line per upload that no trigger
matches, the function's log in words, and the rule file followed while it runs."""

from __future__ import annotations

import errno
import json
import signal
import threading
import time
from pathlib import Path
from typing import Any

import oss2

from ossimg.claims import is_claim_key
from ossimg.rules.compiled import CompiledRules

from . import assets
from .emulator.backend import Backend
from .emulator.model import BucketInfo, ObjectInfo
from .emulator.server import EmulatorApp
from .fc.async_invoke import AsyncEvent
from .gallery.live import MOUNT, LiveGallery, mounted
from .logview import human
from .rules_watch import RulesWatcher
from .serving import ThreadedServer
from .up import LocalCloud, build_all, create_buckets, needed_buckets, start
from .usererrors import port_in_use
from .workspace import Workspace

AK, SK = "LTAI-local", "local-secret"
PASTE_TTL = 24 * 3600  # the pasted upload command's presigned URL stays valid a day


class Up:
    """One ``ossimg up`` run: call ``serve()``; Ctrl-C stops it."""

    def __init__(
        self, ws: Workspace, data: Path, host: str, port: int, *, build: Path, instances: int, log_format: str
    ) -> None:
        self.ws, self.data, self.build, self.instances, self.log_format = ws, data, build, instances, log_format
        data.mkdir(parents=True, exist_ok=True)
        self.backend = Backend.open(data, AK, SK)
        self._print_lock = threading.Lock()
        self.rules_watch = RulesWatcher(ws.rules, data / "rules", self._new_rules, self.say)
        snapshot, rules = self.rules_watch.first()
        self.uploads = [(t.bucket, t.prefix) for spec in ws.specs for t in spec.triggers]
        self.gallery = LiveGallery(self.backend, rules, self.uploads, self._sign)
        try:
            self.server = ThreadedServer(
                mounted(self.gallery, EmulatorApp(self.backend)), host, port, ident="AliyunOSS", exact_header_names=True
            )
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise port_in_use(host, port) from None
            raise
        self.cloud: LocalCloud | None = None
        self._snapshot = snapshot

    def serve(self) -> None:
        """Build, start, print the summary, then follow the rules until Ctrl-C."""
        ws = self.ws
        # A process manager's stop (SIGTERM) ends the run as Ctrl-C does: instances stopped, data kept.
        signal.signal(signal.SIGTERM, _interrupt)
        print(f"Building {', '.join(s.name for s in ws.specs)} into {self.build} …", flush=True)
        builds = build_all(ws.root, ws.specs, self._snapshot, self.build)
        failures = self.data / "failures"
        try:
            self.cloud = start(
                self.backend,
                self.server,
                ws.root,
                self._snapshot,
                builds,
                instances=self.instances,
                echo=self.log_format == "json",
                failures=failures,
                reporter=self._report,
            )
            self.server.start()
            source = oss2.Bucket(oss2.Auth(AK, SK), self.server.endpoint, assets.SOURCE_BUCKET)
            seeded = assets.seed(source) if assets.SOURCE_BUCKET in needed_buckets(ws.specs, self._snapshot) else []
            self.backend.store.subscribe(self._on_object)
            self._summary(seeded, failures)
            while True:
                time.sleep(1)
                self.rules_watch.check()
        except KeyboardInterrupt:
            self.say("stopping: the instances end, the emulator's data stays in " + str(self.data))
        finally:
            if self.cloud is not None:
                self.cloud.close()
            self.server.stop()

    def say(self, text: str) -> None:
        """One line of ours, never in the middle of a function's block of lines."""
        with self._print_lock:
            print(text, flush=True)

    def _new_rules(self, snapshot: Path, rules: CompiledRules) -> None:
        assert self.cloud is not None
        made = create_buckets(self.backend, needed_buckets(self.ws.specs, snapshot))
        if made:
            self.say(f"rules: created bucket(s) {', '.join(made)}")
        self.gallery.rules = rules
        self.cloud.reload(snapshot)

    def _sign(self, bucket: str, key: str, ttl: int = 600) -> str:
        return str(
            oss2.Bucket(oss2.Auth(AK, SK), self.server.endpoint, bucket).sign_url("PUT", key, ttl, slash_safe=True)
        )

    def _on_object(self, event_name: str, bucket: BucketInfo, info: ObjectInfo) -> None:
        """The store's listener: uploads a trigger matches show in the gallery at once; others get a line."""
        if not event_name.startswith("ObjectCreated:") or self.cloud is None:
            return
        if any(sub.wants(bucket.name, event_name, info.key) for sub in self.cloud.notifier.subscriptions):
            self.gallery.pending(bucket.name, info.key)
            return
        watched = {b for b, _ in self.uploads}
        if bucket.name not in watched or is_claim_key(info.key):
            return
        if self.gallery.rules.produced_by(bucket.name, info.key) is not None:
            return  # a variant the function saved next to its sources
        prefixes = ", ".join(f"{p or '(any key)'}" for b, p in self.uploads if b == bucket.name)
        self.say(
            f"no trigger: {bucket.name}/{info.key} was uploaded, but no OSS trigger of template.yml matches it "
            f"(prefixes {prefixes}): no function runs"
        )

    def _report(self, function: str, accepted: AsyncEvent) -> None:
        """An asynchronous invocation settled: its log in words, and its variants into the gallery."""
        if not accepted.attempts:
            return
        if self.log_format == "human":
            lines = [f"{function}: {_objects(accepted.event)}"]
            for number, attempt in enumerate(accepted.attempts, 1):
                if len(accepted.attempts) > 1:
                    lines.append(f"  attempt {number} of {len(accepted.attempts)}:")
                lines += human(attempt.printed(), "" if attempt.ok else attempt.error)
            self.say("\n".join(lines))
        self.gallery.settled(accepted.attempts[-1].printed())

    def _summary(self, seeded: list[str], failures: Path) -> None:
        ws, endpoint = self.ws, self.server.endpoint
        buckets = needed_buckets(ws.specs, self._snapshot)
        triggers = [f"{spec.name} <- {t.bucket}/{t.prefix}*{t.suffix}" for spec in ws.specs for t in spec.triggers]
        bucket, prefix = self.uploads[0] if self.uploads else (assets.SOURCE_BUCKET, "")
        url = self._sign(bucket, f"{prefix}photo.jpg", PASTE_TTL)
        rows = [
            ("OSS endpoint", f"{endpoint}  (region {self.backend.region})"),
            ("access key", f"{AK} / {SK}  (the account's; functions run with their role's STS key)"),
            ("buckets", f"{', '.join(buckets)}  (data in {self.data})"),
            ("triggers", ", ".join(triggers)),
            ("rules", f"{ws.show(ws.rules)}  (reloaded when the file changes)"),
            ("assets", ", ".join(seeded) or "-"),
            ("failures", f"{failures}  (ossimg failures list | redrive)"),
            ("instances", f"up to {self.instances} per function"),
            ("gallery", f"{endpoint}{MOUNT}"),
        ]
        text = ["", "ossimg up: the local cloud is running. Ctrl-C stops it.", ""]
        text += [f"  {name:<13} {value}" for name, value in rows]
        text += [
            "",
            "Upload a photo (any file named photo.jpg here; the link is signed for a day):",
            f"  curl -T photo.jpg '{url}'",
            f"or drop photos on the gallery page: {endpoint}{MOUNT}",
            "",
        ]
        self.say("\n".join(text))


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _objects(event: bytes) -> str:
    """``bucket/key`` of each record of an OSS event, for the line above its log."""
    try:
        doc: Any = json.loads(event)
        names = [f"{r['oss']['bucket']['name']}/{r['oss']['object']['key']}" for r in doc["events"]]
    except (ValueError, KeyError, TypeError):
        return "(an event)"
    return ", ".join(names)
