"""Masking of personal data: what a page, the API or the admin shows by default."""


def mask_id_number(value: str | None) -> str:
    """640302199001011234 -> 640302********1234."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """13812345678 -> 138****5678; landlines keep their area code and last four."""
    if not value:
        return ""
    if len(value) == 11 and value.isdigit():
        return value[:3] + "****" + value[-4:]
    if len(value) <= 4:
        return "*" * len(value)
    head = value.split("-", 1)[0] if "-" in value else value[:3]
    return head + "-" + "*" * max(len(value) - len(head) - 5, 3) + value[-4:]
