"""The claim protocol's own decisions, on a bucket kept in memory with OSS's forbid-overwrite rule.

The races between real instances run against the emulator in ``tests/e2e/test_claims.py``; here are
the cases the emulator cannot stage, such as an answer lost after OSS carried the request out.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ossimg import claims, runtime
from ossimg.errors import OssCallError
from ossimg.oss import Stat
from ossimg.pipeline import Execution
from ossimg.retry import Backoff, Deadline

CLAIM = claims.claim_for("photos", "cat.jpg", "5B3C1A")


class Bucket:
    """Objects by bucket and key with their user metadata; ``lose_next_put_answer`` stores a PUT and then fails
    it as a dropped connection would, after OSS carried it out."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], dict[str, str]] = {}
        self.lose_next_put_answer = False
        self.age = 0.0  # of every object, by OSS's clock

    def put_marker(self, bucket: str, key: str, meta: dict[str, str], *, exclusive: bool) -> bool:
        if exclusive and (bucket, key) in self.objects:
            return False
        self.objects[bucket, key] = dict(meta)
        if self.lose_next_put_answer:
            self.lose_next_put_answer = False
            raise OssCallError("the connection dropped", code="ConnectionError", status=-2, transient=True)
        return True

    def stat(self, bucket: str, key: str) -> Stat | None:
        found = self.objects.get((bucket, key))
        return None if found is None else Stat(found, age=self.age)

    def delete_object(self, bucket: str, key: str) -> None:
        self.objects.pop((bucket, key), None)


@pytest.fixture(name="bucket")
def _bucket() -> Bucket:
    return Bucket()


def execution(bucket: Bucket, seconds: float = 2.0) -> Execution:
    return Execution(bucket, Deadline.after(seconds), Backoff(base=0.001))  # type: ignore[arg-type]


def test_a_claim_whose_answer_was_lost_is_known_as_ours_on_the_retry(bucket):
    bucket.lose_next_put_answer = True
    assert claims.acquire(execution(bucket), CLAIM, [0], sleep=lambda _: None) is claims.Outcome.OWNED


def test_a_claim_held_by_another_live_instance_is_waited_for_then_busy(bucket):
    held = {claims.CLAIM: CLAIM.source, claims.TTL: "600", claims.OWNER: "someone-else"}
    bucket.objects[CLAIM.bucket, CLAIM.key] = held
    waits: list[float] = []
    assert claims.acquire(execution(bucket, 0.2), CLAIM, [0], sleep=waits.append) is claims.Outcome.BUSY
    assert waits, "it gave up without waiting"


def test_an_impatient_try_of_a_claim_held_elsewhere_is_busy_at_once(bucket):
    held = {claims.CLAIM: CLAIM.source, claims.TTL: "600", claims.OWNER: "someone-else"}
    bucket.objects[CLAIM.bucket, CLAIM.key] = held
    waits: list[float] = []
    outcome = claims.acquire(execution(bucket), CLAIM, [0], sleep=waits.append, patient=False)
    assert (outcome, waits) == (claims.Outcome.BUSY, [])


@pytest.mark.parametrize("ttl", ["600", "soon", "nan", "inf", ""])
def test_a_claim_whose_ttl_ossimg_could_not_have_written_has_none_left(bucket, ttl):
    bucket.objects[CLAIM.bucket, CLAIM.key] = {claims.CLAIM: CLAIM.source, claims.TTL: ttl, claims.OWNER: "other"}
    bucket.age = 700.0
    assert claims.acquire(execution(bucket), CLAIM, [0], sleep=lambda _: None) is claims.Outcome.OWNED


@pytest.mark.parametrize("timeout", [60, 600, 10, 3])  # FC's timeout for the function, in seconds
def test_a_claim_lives_until_fc_ends_the_invocation_not_just_until_its_own_deadline(bucket, timeout):
    # The function answers by its own deadline, a margin before FC's timeout, but an IMG call made
    # just before that deadline may still run until FC ends the invocation: a claim that expired
    # earlier could be taken over while its owner is still making a variant. OSS dates objects to
    # the second, hence the second more allowed.
    context = SimpleNamespace(function=SimpleNamespace(timeout=timeout))
    ex = Execution(bucket, runtime.deadline_of(context))  # type: ignore[arg-type]
    assert ex.deadline.remaining() < timeout  # the function's own deadline comes first
    assert claims.acquire(ex, CLAIM, [0]) is claims.Outcome.OWNED
    ttl = float(bucket.objects[CLAIM.bucket, CLAIM.key][claims.TTL])
    assert timeout <= ttl <= timeout + 2


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        (("photos", "cat.jpg", "5b3c1a"), ("photos", "cat.jpg", "5B3C1A"), True),  # ETags are compared in upper case
        (("photos", "cat.jpg", "5B3C1A"), ("photos", "cat.jpg", "77AA00"), False),  # a newer upload: its own claim
        (("photos", "cat.jpg", "5B3C1A"), ("archive", "cat.jpg", "5B3C1A"), False),
    ],
)
def test_a_claim_is_named_by_the_source_version_alone(first, second, same):
    a, b = claims.claim_for(*first), claims.claim_for(*second)
    assert (a.bucket, a.key.startswith(claims.PREFIX)) == (first[0], True)  # beside the source
    assert (a.key == b.key) is same
