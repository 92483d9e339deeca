"""Paging a list 50 rows at a time, and the numbers its footer shows."""
PAGE_SIZE = 50


class Paged:
    """For a view dataclass with `total`, `page` and `rows`: page numbers, and filling one page."""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def first_shown(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.total else 0

    @property
    def last_shown(self) -> int:
        return min(self.page * PAGE_SIZE, self.total)

    def fill(self, query, count_query=None, total: int | None = None) -> None:
        """Count the matches (unless the `total` is known), keep the page within range, and load that page's rows."""
        self.total = total if total is not None else (count_query if count_query is not None else query).count()
        self.page = min(max(self.page, 1), self.pages)
        self.rows = list(query.paginate(self.page, PAGE_SIZE))
