"""`Record`: equality, hashing and a repr from a class's `__slots__`, as a frozen dataclass has.

For the modules a launcher or a standby worker imports (one of each per pair starts with the
bundle): `dataclasses` imports `inspect`, a fifth of such a process's start
(tests/unit/test_lean_imports.py). Elsewhere a dataclass reads better.
"""

from __future__ import annotations


class Record:
    """A value object: two of the same class are equal when every slot of that class's own
    `__slots__` is; hashable, so never change a slot after construction."""

    __slots__: tuple[str, ...] = ()

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Record) or type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({shown})"
