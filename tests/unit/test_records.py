"""app.records.Record: the value semantics of a frozen dataclass, from `__slots__`."""

from __future__ import annotations

from app.records import Record


class Point(Record):
    __slots__ = ("x", "y")

    def __init__(self, x: int, y: int) -> None:
        self.x = x
        self.y = y


class OtherPoint(Record):
    __slots__ = ("x", "y")

    def __init__(self, x: int, y: int) -> None:
        self.x = x
        self.y = y


def test_records_of_one_class_with_equal_slots_are_equal_and_hash_alike():
    assert Point(1, 2) == Point(1, 2)
    assert Point(1, 2) != Point(2, 1)
    assert len({Point(1, 2), Point(1, 2), Point(2, 1)}) == 2


def test_a_record_of_another_class_is_never_equal():
    assert Point(1, 2) != OtherPoint(1, 2)
    assert Point(1, 2) != (1, 2)


def test_the_repr_names_the_class_and_every_slot():
    assert repr(Point(1, "a")) == "Point(x=1, y='a')"
