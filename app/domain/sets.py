"""Set products (セット商品): compositions, nesting, cycle checks and explosion into singles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .errors import QT_TRANSLATE_NOOP, BadInput, CycleError

Components = tuple[tuple[str, int], ...]
Compositions = Mapping[str, Sequence[tuple[str, int]]]


def check_components(set_code: str, components: Sequence[tuple[str, int]]) -> Components:
    """Refuse empty sets, quantities below 1, a set naming itself, and a component named twice."""
    if not components:
        raise BadInput(
            QT_TRANSLATE_NOOP("Errors", "Set {code} needs at least one component."), code=set_code
        )
    seen: set[str] = set()
    for code, quantity in components:
        if quantity < 1:
            raise BadInput(
                QT_TRANSLATE_NOOP(
                    "Errors", "Set {code}: component {component} needs a quantity of 1 or more "
                    "(got {quantity})."
                ),
                code=set_code, component=code, quantity=quantity,
            )
        if code in seen:
            raise BadInput(
                QT_TRANSLATE_NOOP("Errors", "Set {code}: component {component} is named twice."),
                code=set_code, component=code,
            )
        seen.add(code)
    return tuple(components)


def find_loop(
    set_code: str, components: Sequence[tuple[str, int]], compositions: Compositions
) -> list[str] | None:
    """The loop ``[set, …, set]`` that giving *set_code* these *components* would close."""

    def children(code: str) -> Sequence[tuple[str, int]]:
        return components if code == set_code else compositions.get(code, ())

    path: list[str] = [set_code]
    on_path = {set_code}
    done: set[str] = set()

    def visit(code: str) -> list[str] | None:
        for child, _ in children(code):
            if child == set_code:
                return [*path, set_code]
            if child in on_path or child in done:
                continue
            path.append(child)
            on_path.add(child)
            loop = visit(child)
            if loop:
                return loop
            path.pop()
            on_path.discard(child)
            done.add(child)
        return None

    return visit(set_code)


def check_no_loop(
    set_code: str, components: Sequence[tuple[str, int]], compositions: Compositions
) -> None:
    loop = find_loop(set_code, components, compositions)
    if loop:
        raise CycleError(
            QT_TRANSLATE_NOOP("Errors", "Set {code} would contain itself: {loop}."),
            code=set_code, loop=" → ".join(loop),
        )


def explode(code: str, quantity: int, compositions: Compositions) -> dict[str, int]:
    """Units of each single that *quantity* of *code* uses, down through nested sets."""
    units: dict[str, int] = {}

    def walk(current: str, count: int) -> None:
        parts = compositions.get(current)
        if not parts:
            units[current] = units.get(current, 0) + count
            return
        for child, per_set in parts:
            walk(child, count * per_set)

    walk(code, quantity)
    return units
