"""Encryption of client data at rest and keyed hashing of BSNs.

- Text fields with personal data are encrypted with Fernet (AES-128-CBC + HMAC-SHA256)
  from ``cryptography``; ``DOORSTROOM_FIELD_KEYS`` lists keys newest first, so a key can
  be rotated (``doorstroom rotate-keys`` re-encrypts with the newest).
- The BSN is stored encrypted for display to authorised users and as a keyed HMAC for
  matching (``doorstroom.core.bsn.bsn_digest``); it is never stored readable.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

from doorstroom.core import bsn as core_bsn


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise RuntimeError("DOORSTROOM_FIELD_KEYS is not set")
    return MultiFernet([Fernet(k.encode()) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.DOORSTROOM_FIELD_KEYS))


def encrypt(text: str) -> str:
    return fernet().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise RuntimeError("cannot decrypt a client field: wrong or missing key") from exc


def bsn_digest(bsn: str) -> str:
    key = settings.DOORSTROOM_BSN_HMAC_KEY
    if not key:
        raise RuntimeError("DOORSTROOM_BSN_HMAC_KEY is not set")
    return core_bsn.bsn_digest(bsn, str(key).encode())


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text field stored encrypted. It cannot be searched or sorted in the database."""

    description = "Text encrypted at rest"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return None if value is None or value == "" else decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return value if value is None or value == "" else encrypt(str(value))
