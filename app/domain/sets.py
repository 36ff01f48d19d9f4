"""Set products (セット商品): compositions, nesting, cycle checks and explosion into singles."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from .errors import QT_TRANSLATE_NOOP, BadInput, CycleError
from .items import MAX_COUNT, check_bound

Components = tuple[tuple[str, int], ...]
Compositions = Mapping[str, Sequence[tuple[str, int]]]


def check_components(set_code: str, components: Sequence[tuple[str, int]]) -> Components:
    """Refuse empty sets, quantities below 1 or above MAX_COUNT, and a component named twice."""
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
        check_bound(quantity, f"{set_code} / {code}")
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


def check_units(
    set_code: str, components: Sequence[tuple[str, int]], compositions: Compositions
) -> None:
    """Refuse a composition by which one unit of a set (this one or a set that contains it,
    down through nesting) would use more than MAX_COUNT units of one single: quantities
    multiply through nested sets, and an order would then overflow the ledger."""
    for _code, error in unit_refusals({**compositions, set_code: components}):
        raise error


def unit_refusals(compositions: Compositions) -> Iterator[tuple[str, BadInput]]:
    """Each set of which one unit would use more than MAX_COUNT units of one single, with
    the refusal (``check_units`` raises the first; an import lists them all)."""
    for code, single, units in oversized_sets(compositions):
        yield code, BadInput(
            QT_TRANSLATE_NOOP("Errors", "Set {code}: one unit would use {units} units of "
                              "{component}, more than {max}."),
            code=code, units=units, component=single, max=MAX_COUNT,
        )


def check_may_become_set(code: str, on_hand: int, has_movements: bool) -> None:
    """A single becomes a set only while it has no stock of its own (no movements, on hand
    0): a set has no shelf stock, and its ledger would be lost."""
    if on_hand != 0 or has_movements:
        raise BadInput(
            QT_TRANSLATE_NOOP("Errors", "{code} has stock movements of its own, so it cannot "
                              "become a set (a set has no shelf stock)."), code=code)


def check_backorders_on_single(code: str, is_set: bool) -> None:
    """Backorders are allowed on singles: a set sells what its components allow."""
    if is_set:
        raise BadInput(
            QT_TRANSLATE_NOOP("Errors", "{code} is a set: backorders are set on its "
                              "components."), code=code)


def oversized_sets(compositions: Compositions) -> list[tuple[str, str, int]]:
    """``(set, single, units)`` for every set one unit of which uses more than MAX_COUNT
    units of a single (through nesting), the first such single per set."""
    found = []
    for code in compositions:
        for single, units in explode(code, 1, compositions).items():
            if units > MAX_COUNT:
                found.append((code, single, units))
                break
    return found


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
