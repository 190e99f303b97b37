"""Burgerservicenummer (BSN): validation with the elfproef and safe handling.

The BSN is the Dutch citizen service number: nine digits d1..d9 such that
``9*d1 + 8*d2 + 7*d3 + 6*d4 + 5*d5 + 4*d6 + 3*d7 + 2*d8 - 1*d9`` is divisible by 11
(the "elfproef"). ``000000000`` satisfies the sum but is not a BSN. Numbers of eight
digits are historically written without the leading zero; we accept them and pad.

A BSN is special personal data under the UAVG. This module never logs it; callers
store it encrypted and match on a keyed HMAC (:func:`bsn_digest`), never on the number.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from doorstroom.core.i18n import Message, gettext_noop

WEIGHTS: tuple[int, ...] = (9, 8, 7, 6, 5, 4, 3, 2, -1)

# Nine digits, not part of a longer run of digits. Used to redact BSN-like numbers from
# free text (log messages, error reports).
_CANDIDATE = re.compile(r"(?<!\d)(\d{9})(?!\d)")
REDACTED = "[BSN]"


class InvalidBSN(ValueError):
    """The value is not a valid BSN. The message never contains the value."""

    def __init__(self, template: str) -> None:
        self.message = Message(template)
        super().__init__(template)


def normalise(value: str) -> str:
    """Strip spaces, dots and dashes; pad an eight-digit number with a leading zero."""
    digits = re.sub(r"[\s.\-]", "", value)
    if len(digits) == 8 and digits.isdigit():
        digits = "0" + digits
    return digits


def elfproef(digits: str) -> bool:
    """True when nine digits pass the elfproef (weights 9..2 and -1)."""
    if len(digits) != 9 or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(w * int(d) for w, d in zip(WEIGHTS, digits, strict=True))
    return total % 11 == 0


def is_valid(value: str) -> bool:
    """True when ``value`` is a valid BSN (after normalising)."""
    digits = normalise(value)
    return digits != "000000000" and elfproef(digits)


def validate(value: str) -> str:
    """Return the normalised BSN or raise :class:`InvalidBSN` (translatable message)."""
    digits = normalise(value)
    if not digits.isascii() or not digits.isdigit() or len(digits) != 9:
        raise InvalidBSN(gettext_noop("A BSN consists of 9 digits."))
    if digits == "000000000":
        raise InvalidBSN(gettext_noop("000000000 is not a valid BSN."))
    if not elfproef(digits):
        raise InvalidBSN(gettext_noop("This is not a valid BSN: the eleven test (elfproef) fails."))
    return digits


def bsn_digest(bsn: str, key: bytes) -> str:
    """Keyed HMAC-SHA256 of a valid BSN, hex encoded: the value used for matching.

    Without the key the digest cannot be reversed by trying all 10^9 numbers.
    """
    digits = validate(bsn)
    return hmac.new(key, digits.encode("ascii"), hashlib.sha256).hexdigest()


def mask(bsn: str) -> str:
    """Show only the last three digits: ``******123``."""
    digits = normalise(bsn)
    return "*" * 6 + digits[-3:]


def redact(text: str) -> str:
    """Replace every nine-digit number that passes the elfproef by ``[BSN]``.

    Nine-digit numbers that fail the elfproef (amounts, phone numbers) are left alone so
    that logs stay useful; anything that could be a BSN is removed.
    """

    def _sub(match: re.Match[str]) -> str:
        candidate = match.group(1)
        return REDACTED if is_valid(candidate) else candidate

    return _CANDIDATE.sub(_sub, text)


def make_valid(prefix8: str) -> str | None:
    """Complete eight digits to a valid BSN by choosing the check digit, if one exists.

    Used to generate synthetic test BSNs (in the 9999xxxxx range that Dutch test
    environments use), never to "repair" user input.
    """
    if len(prefix8) != 8 or not prefix8.isdigit():
        raise ValueError("prefix8 must be eight digits")
    partial = sum(w * int(d) for w, d in zip(WEIGHTS[:8], prefix8, strict=True))
    check = partial % 11  # partial - check == 0 (mod 11)
    if check > 9:
        return None
    candidate = prefix8 + str(check)
    return candidate if is_valid(candidate) else None
