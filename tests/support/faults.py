"""Faults injected inside the engine: a crash (kill -9) or an outage at a chosen store call."""

from __future__ import annotations

from app.sync.store import PairStore


class Crash(BaseException):
    """Stands for kill -9 inside the engine: nothing after it runs, nothing catches it."""


class CrashingStore(PairStore):
    """The real store, except that one chosen method dies the first time it is called."""

    def __init__(self, db, method: str, error: BaseException, fence: int | None = None) -> None:
        super().__init__(db, fence)
        self._armed = {method: error}

    def __getattribute__(self, name):
        armed = object.__getattribute__(self, "_armed")
        if name in armed:
            raise armed.pop(name)
        return object.__getattribute__(self, name)


class CrashingOnCallStore(PairStore):
    """The real store, except that one chosen method dies on its `call`-th call (1 = the first)."""

    def __init__(self, db, method: str, call: int, error: BaseException, fence: int | None = None) -> None:
        super().__init__(db, fence)
        self._crash = (method, call, error)
        self._calls = 0

    def __getattribute__(self, name):
        method, call, error = object.__getattribute__(self, "_crash")
        if name == method:
            self._calls = object.__getattribute__(self, "_calls") + 1
            if self._calls == call:
                raise error
        return object.__getattribute__(self, name)
