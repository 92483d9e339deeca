"""What the checks of one item read, loaded once per request: the business's lists and the item's line items."""
from functools import cached_property

from webapp.items import checks, queries
from webapp.items.choices import Choices


class Review:
    def __init__(self, item, choices: Choices | None = None, lines: list | None = None):
        self.item = item
        self.choices = choices or Choices.for_item(item)
        if lines is not None:
            self.__dict__["lines"] = lines

    @cached_property
    def lines(self) -> list:
        return queries.lines(self.item.id)

    def checks(self) -> list[checks.Check]:
        return checks.for_item(self.item, self.choices, self.lines)
