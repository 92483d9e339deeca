"""Canadian two-tax rates (GST + PST, GST + QST, GST + RST): each component's amount on an item or a line.

Canadian documents print each tax separately, so on a Canadian organisation a rate with several components shows
each one's amount, and the tax is their sum. A component's amount is worked out from the net at its own rate,
rounded half-up to the cent, until a person types it; a typed amount is kept. A compound component (Xero's
IsCompound) applies on the net plus the other components, as in Xero's effective rate. Xero takes one TaxAmount
per line, so only the sum is published."""
import json
from dataclasses import dataclass
from decimal import Decimal

from webapp.items.amounts import CENT, cents, is_reverse_charge
from webapp.lists.queries import percent

COUNTRIES = ("CA",)


@dataclass(frozen=True)
class Component:
    name: str
    rate: Decimal
    amount: Decimal | None
    typed: bool

    @property
    def label(self) -> str:
        return f"{self.name} {percent(self.rate)}"


def parts(tax_rate, choices) -> list[dict]:
    """The rate's components when they are shown one by one (a Canadian organisation's rate with several), else [].

    `choices` is the business's lists; its organisation is read only for a rate with several components."""
    if tax_rate is None or is_reverse_charge(tax_rate):
        return []
    found = json.loads(tax_rate.components)
    if len(found) < 2:
        return []
    organisation = choices.organisation
    return found if organisation is not None and organisation.country_code in COUNTRIES else []


def names(found: list[dict]) -> str:
    """"GST and PST"."""
    listed = [part["name"] for part in found]
    return ", ".join(listed[:-1]) + f" and {listed[-1]}"


def typed(text: str) -> dict[str, Decimal]:
    """The amounts a person typed, by component name, from the item's or line's stored JSON."""
    return {name: Decimal(amount) for name, amount in json.loads(text or "{}").items()}


def stored(amounts: dict[str, Decimal]) -> str:
    return json.dumps({name: f"{amount:.2f}" for name, amount in amounts.items()}, sort_keys=True) if amounts else ""


def kept(amounts: dict[str, Decimal], found: list[dict]) -> dict[str, Decimal]:
    """The typed amounts that still belong to the rate's components (after the rate changed)."""
    names = {part["name"] for part in found}
    return {name: amount for name, amount in amounts.items() if name in names}


def of(found: list[dict], net: Decimal | None, amounts: dict[str, Decimal]) -> list[Component]:
    """Each component with its typed amount, or its amount on `net` (None when there is no net yet)."""
    simple = {part["name"]: _amount(part, net, amounts) for part in found if not part.get("is_compound")}
    base = None if net is None else Decimal(net) + sum(simple.values(), Decimal(0))
    return [Component(part["name"], Decimal(part["rate"]),
                      _amount(part, base, amounts) if part.get("is_compound") else simple[part["name"]],
                      part["name"] in amounts) for part in found]


def total_of(components: list[Component]) -> Decimal | None:
    """The tax: the components' sum (None while one has no amount)."""
    if any(component.amount is None for component in components):
        return None
    return cents(sum((component.amount for component in components), Decimal(0)))


def shown(found: list[dict], net: Decimal | None, amounts: dict[str, Decimal], name: str) -> str:
    """One component's amount as History shows it, marked when calculated ("7.00 (calculated)")."""
    component = next(part for part in of(found, net, amounts) if part.name == name)
    if component.amount is None:
        return ""
    return f"{component.amount:.2f}" + ("" if component.typed else " (calculated)")


def split_total(total: Decimal, found: list[dict], amounts: dict[str, Decimal]) -> tuple[Decimal, list[Component]]:
    """The net and components of a tax-inclusive total, typed amounts as typed. The net from the combined rate of
    the other components can be a cent off the one whose rounded components add up to the total; the nets a cent
    either side are tried before settling on it (the totals check then says so)."""
    rest = Decimal(total) - sum((amounts[part["name"]] for part in found if part["name"] in amounts), Decimal(0))
    rate = _combined([part for part in found if part["name"] not in amounts])
    start = rest - cents(rest * rate / (100 + rate))
    for net in (start, start - CENT, start + CENT):
        components = of(found, net, amounts)
        if net + total_of(components) == Decimal(total):
            return net, components
    return start, of(found, start, amounts)


def _amount(part: dict, base: Decimal | None, amounts: dict[str, Decimal]) -> Decimal | None:
    if part["name"] in amounts:
        return amounts[part["name"]]
    return None if base is None else cents(Decimal(base) * Decimal(part["rate"]) / 100)


def _combined(found: list[dict]) -> Decimal:
    """Xero's effective rate of the components: compound ones apply on top of the others."""
    simple = sum((Decimal(part["rate"]) for part in found if not part.get("is_compound")), Decimal(0))
    compound = sum((Decimal(part["rate"]) for part in found if part.get("is_compound")), Decimal(0))
    return simple + compound * (1 + simple / 100)
