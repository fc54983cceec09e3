"""Personal information (个人信息保护法): encryption at rest, keyed hashes for search, masking, and
the audited reveal.

- **Encryption**: AES-256-GCM (``cryptography``'s ``AESGCM``) with a key derived from the master key
  ``TIAODU_PI_KEY`` (32 bytes, urlsafe base64; required in production; the demo generates one per
  data directory, like the secret key). A stored value is ``"v1:" + base64(nonce ‖ ciphertext)``;
  the field's name is the associated data, so a ciphertext copied into another column does not
  decrypt.
- **Keyed hash** (blind index): HMAC-SHA256 under a second derived key over the normalised value,
  hex. Equal values give equal hashes, so "find by ID number" and "is this person already
  registered" are index lookups that decrypt nothing; without the key the hash cannot be
  reversed by trying every ID number.
- **Masks**: ``5001**********1234``, ``138****5678``, ``张*`` — stored beside the ciphertext where
  lists need them, so a list of 100,000 rows decrypts nothing.
- **Reveal**: :func:`reveal` decrypts one value for one user after the caller's policy said yes,
  and writes a security event (``pi_revealed``); a refusal writes ``pi_reveal_refused`` and
  raises :class:`PIRevealRefused` (code ``pi_reveal_forbidden``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Callable
from functools import cache
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from tiaodu.core.errors import ServiceError

VERSION = "v1"


class PIRevealRefused(ServiceError):
    """A reveal (or an export with personal data) asked by a role that may not have it. The
    refusal is already in the security log when this is raised."""

    def __init__(self, message: str = "") -> None:
        super().__init__("pi_reveal_forbidden", message or _("无权查看完整个人信息"), [], 403)


class PIDecryptError(ServiceError):
    def __init__(self, message: str) -> None:
        super().__init__("pi_decrypt_failed", message, [], 500)


def parse_master_key(text: str) -> bytes:
    """The 32-byte master key from its urlsafe-base64 form (``tiaodu pi_key`` prints a new one)."""
    try:
        key = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("TIAODU_PI_KEY is not valid base64") from exc
    if len(key) != 32:
        raise ImproperlyConfigured("TIAODU_PI_KEY must encode 32 bytes")
    return key


def new_master_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


@cache
def _keys() -> tuple[AESGCM, bytes]:
    master = parse_master_key(settings.PI_KEY)

    def derive(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)

    return AESGCM(derive(b"tiaodu pi encryption v1")), derive(b"tiaodu pi blind index v1")


def reset_keys() -> None:
    """Forget the derived keys (tests that change ``settings.PI_KEY``)."""
    _keys.cache_clear()


def encrypt(value: str, *, field: str) -> str:
    """The stored form of ``value``; ``""`` stays ``""`` (nothing to protect)."""
    if not value:
        return ""
    aead, _hash_key = _keys()
    nonce = os.urandom(12)
    sealed = aead.encrypt(nonce, value.encode(), field.encode())
    return f"{VERSION}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(token: str, *, field: str) -> str:
    if not token:
        return ""
    version, _sep, body = token.partition(":")
    if version != VERSION or not body:
        raise PIDecryptError(_("无法解密个人信息(格式或版本不符)"))
    raw = base64.b64decode(body)
    aead, _hash_key = _keys()
    try:
        return aead.decrypt(raw[:12], raw[12:], field.encode()).decode()
    except Exception as exc:  # cryptography raises InvalidTag: wrong key or tampered value
        raise PIDecryptError(_("无法解密个人信息(密钥不符或数据被篡改)")) from exc


def blind_index(value: str, *, field: str) -> str:
    """The keyed hash of a normalised value (upper-case, no spaces); ``""`` for no value."""
    normalised = "".join(value.split()).upper()
    if not normalised:
        return ""
    _aead, hash_key = _keys()
    return hmac.new(hash_key, f"{field}\x00{normalised}".encode(), hashlib.sha256).hexdigest()


def mask_id_number(value: str) -> str:
    """``500101199001011234`` → ``5001**********1234``."""
    value = value.strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """``13812345678`` → ``138****5678``."""
    value = value.strip()
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """``张三`` → ``张*``, ``欧阳娜娜`` → ``欧***``."""
    value = value.strip()
    return value[:1] + "*" * (len(value) - 1) if value else ""


def reveal(
    user: Any,
    obj: Any,
    field: str,
    *,
    allowed: Callable[[Any, Any], bool],
    label: str = "",
) -> str:
    """Decrypt ``obj.<field>_enc`` for ``user`` when ``allowed(user, obj)``, auditing either way.

    Call it outside a transaction that may roll back: the security event of a refusal must stay."""
    from tiaodu.audit.choices import EventKind
    from tiaodu.audit.services import record_event

    what = f"{obj._meta.label}#{obj.pk} {field}{(' ' + label) if label else ''}"
    if not allowed(user, obj):
        record_event(EventKind.PI_REVEAL_REFUSED, user=user, detail=what)
        raise PIRevealRefused()
    value = decrypt(getattr(obj, f"{field}_enc"), field=field)
    record_event(EventKind.PI_REVEALED, user=user, detail=what)
    return value


def audit_export(user: Any, what: str, *, revealed: bool) -> None:
    """Record an export of personal data (masked or, for a role that may, in full)."""
    from tiaodu.audit.choices import EventKind
    from tiaodu.audit.services import record_event

    kind = EventKind.PI_EXPORTED_FULL if revealed else EventKind.PI_EXPORTED
    record_event(kind, user=user, detail=what)


def protected_columns(field: str, value: str, *, mask: Callable[[str], str] = mask_phone) -> dict[str, str]:
    """The three stored columns of a protected value: ``<field>_enc`` (ciphertext),
    ``<field>_hash`` (keyed hash) and ``<field>_mask`` (what lists show). Bulk writers (imports)
    use this; model code uses :func:`protected`."""
    value = (value or "").strip()
    return {
        f"{field}_enc": encrypt(value, field=field),
        f"{field}_hash": blind_index(value, field=field),
        f"{field}_mask": mask(value) if value else "",
    }


def protected(field: str, *, mask: Callable[[str], str] = mask_phone) -> property:
    """A model attribute backed by :func:`protected_columns`: reading it gives the mask (never the
    value); assigning a value encrypts it. Assigning the current mask back (an edit form that
    showed the mask) changes nothing. A ``property``, so ``Model(field=...)`` works too."""

    def get(obj: Any) -> str:
        return str(getattr(obj, f"{field}_mask"))

    def set_(obj: Any, value: str | None) -> None:
        value = (value or "").strip()
        if value and value == getattr(obj, f"{field}_mask", None):
            return
        for name, stored in protected_columns(field, value, mask=mask).items():
            setattr(obj, name, stored)

    return property(get, set_, doc=f"{field} (masked; the value is encrypted in {field}_enc)")
