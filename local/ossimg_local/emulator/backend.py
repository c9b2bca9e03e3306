"""Everything the API functions work on: the store, multipart uploads, keys, settings."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .admission import DEFAULT_BUDGET, MemoryBudget
from .auth import Keyring
from .faults import Faults
from .multipart import Multipart
from .store import Store

if TYPE_CHECKING:
    from .permissions import Denial

OWNER_ID = "1234567890123456"


@dataclass
class Backend:
    """One emulated OSS account in one region."""

    store: Store
    keyring: Keyring
    faults: Faults = field(default_factory=Faults)
    # What IMG requests may hold in memory at once (admission.MemoryBudget).
    images: MemoryBudget = field(default_factory=MemoryBudget)
    # The latest checks refused (permissions.Denial), newest last: what a role lacks, at a glance.
    denials: deque[Denial] = field(default_factory=lambda: deque(maxlen=1000))
    multipart: Multipart = field(init=False)

    def __post_init__(self) -> None:
        self.multipart = Multipart(self.store)

    @classmethod
    def open(
        cls,
        data_dir: Path,
        access_key_id: str,
        access_key_secret: str,
        *,
        region: str = "cn-hangzhou",
        durable: bool = True,
        image_memory: int = DEFAULT_BUDGET,
    ) -> Backend:
        """A backend over ``data_dir``, recovering whatever an earlier run left there; IMG requests
        share ``image_memory`` bytes."""
        store = Store(data_dir, region=region, durable=durable)
        return cls(store, Keyring(access_key_id, access_key_secret), images=MemoryBudget(image_memory))

    @property
    def region(self) -> str:
        """The region buckets are created in."""
        return self.store.region
