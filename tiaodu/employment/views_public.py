"""The public phone page of a fair (QR code): open vacancies, registration, sign-in. Lane D."""

from __future__ import annotations
