"""Up to N instances of one function, as FC scales a function out: a request takes an idle instance
or starts a new one; a dead instance (killed past its timeout or memory) is dropped and replaced by
the next request that needs one."""

from __future__ import annotations

import threading
from collections.abc import Callable

from .instance import Instance


class PoolClosed(Exception):
    """Raised when a request arrives after the function's instances were stopped."""


class InstancePool:
    """Hands each caller an instance of its own; at most ``size`` run at once."""

    def __init__(self, start: Callable[[], Instance], size: int) -> None:
        if size < 1:
            raise ValueError(f"a function needs at least one instance, not {size}")
        self._start = start
        self.size = size
        self._cond = threading.Condition()
        self._idle: list[Instance] = []
        self._all: list[Instance] = []
        self._starting = 0
        self._closed = False

    @property
    def instances(self) -> list[Instance]:
        """The instances alive now."""
        with self._cond:
            return [i for i in self._all if i.alive]

    def acquire(self) -> Instance:
        """A warm idle instance, else a new one, else wait for one to come back. Raises PoolClosed."""
        with self._cond:
            while True:
                if self._closed:
                    raise PoolClosed("the function's instances are stopped")
                self._forget_dead()
                if self._idle:
                    return self._idle.pop()  # the most recently used: the warmest
                if len(self._all) + self._starting < self.size:
                    self._starting += 1
                    break
                self._cond.wait()
        try:
            instance = self._start()
        finally:
            with self._cond:
                self._starting -= 1
                self._cond.notify_all()
        with self._cond:
            self._all.append(instance)
            if self._closed:
                instance.kill()
                raise PoolClosed("the function's instances are stopped")
        return instance

    def release(self, instance: Instance) -> None:
        """Give ``instance`` back; a dead one is dropped, so the next request starts a fresh one."""
        with self._cond:
            if instance.alive and not self._closed:
                self._idle.append(instance)
            elif instance in self._all:
                self._all.remove(instance)
            self._cond.notify_all()

    def close(self) -> None:
        """Kill every instance; requests after this raise PoolClosed."""
        with self._cond:
            self._closed = True
            doomed = list(self._all)
            self._all.clear()
            self._idle.clear()
            self._cond.notify_all()
        for instance in doomed:
            instance.kill()

    def _forget_dead(self) -> None:
        """Drop idle instances whose process ended while nobody used them."""
        for instance in [i for i in self._idle if not i.alive]:
            self._idle.remove(instance)
            self._all.remove(instance)
            instance.kill("exited")
