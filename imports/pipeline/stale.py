class Stale(Exception):
    """Rows of the ledger changed after the file was checked: their numbers are in ``rows``."""

    def __init__(self, rows: list[int]) -> None:
        super().__init__(rows)
        self.rows = rows
