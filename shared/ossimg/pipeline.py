"""Run variant plans through an OssClient; every variant ends in its own result."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import OssCallError
from .oss import OssClient
from .plan import PlanError, VariantPlan

OK, FAILED_TRANSIENT, FAILED_PERMANENT = "ok", "failed-transient", "failed-permanent"


@dataclass(frozen=True)
class VariantResult:
    """How one variant ended: ``ok`` with the saved size, or failed with OSS's code."""

    rule: str
    variant: str
    status: str
    duration_ms: float
    plan: VariantPlan | None = None
    file_size: int | None = None
    error_code: str = ""
    error_message: str = ""
    request_id: str = ""

    @property
    def transient(self) -> bool:
        """A failure that a later retry of the invocation may fix."""
        return self.status == FAILED_TRANSIENT


def run_plans(client: OssClient, plans: Sequence[VariantPlan | PlanError]) -> list[VariantResult]:
    """Execute each plan; a failure of one never stops the others."""
    return [_run_one(client, p) for p in plans]


def _run_one(client: OssClient, plan: VariantPlan | PlanError) -> VariantResult:
    if isinstance(plan, PlanError):
        return VariantResult(plan.rule, plan.variant, FAILED_PERMANENT, 0.0, None, None, "InvalidKey", plan.message)
    started = time.perf_counter()
    try:
        result = client.process_object(plan.source_bucket, plan.source_key, plan.process)
    except OssCallError as exc:
        return VariantResult(
            plan.rule, plan.variant, FAILED_TRANSIENT if exc.transient else FAILED_PERMANENT,
            _ms(started), plan, None, exc.code, exc.message, exc.request_id,
        )  # fmt: skip
    return VariantResult(plan.rule, plan.variant, OK, _ms(started), plan, result.file_size)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
