"""Read settings from the environment, failing loudly on malformed values.

A typo such as ``DEBUG=ture`` must stop the process at start-up rather than be read as ``False``.
Secrets may also come from a file: ``NAME_FILE=/run/secrets/name`` (Docker secrets).
"""

import ipaddress
import math
import os
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_MISSING = object()


def env_str(name: str, default: object = _MISSING) -> str:
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_name!r} cannot be read: {exc}") from exc
    value = os.environ.get(name)
    if value is None:
        if default is _MISSING:
            raise ImproperlyConfigured(f"The {name} environment variable is required.")
        return default  # type: ignore[return-value]
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true/false, 1/0, yes/no, on/off).")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_bands(name: str, default: str) -> list[tuple[int, Decimal]]:
    """Bands of days past due and a percentage each, "0:0,1:10,31:25": from 0 days (current), then each
    band from its first day, in increasing order, percentages from 0 to 100."""
    value = os.environ.get(name, default)
    bands = []
    for item in value.split(","):
        days, _sep, rate = item.strip().partition(":")
        try:
            band = (int(days), Decimal(rate.strip()))
        except (ValueError, InvalidOperation):
            raise ImproperlyConfigured(f"{name}: {item!r} is not days:percent.") from None
        if not Decimal(0) <= band[1] <= Decimal(100):
            raise ImproperlyConfigured(f"{name}: {item!r}: the percentage must be between 0 and 100.")
        if bands and band[0] <= bands[-1][0]:
            raise ImproperlyConfigured(f"{name}: the bands must start on increasing days.")
        bands.append(band)
    if not bands or bands[0][0] != 0:
        raise ImproperlyConfigured(f"{name}: the first band must start at 0 days (current loans).")
    return bands


SECRET_MIN_LENGTH = 50
SECRET_MIN_DISTINCT = 10
SECRET_MIN_BITS = 192


def estimated_bits(value: str) -> float:
    """Shannon entropy of the characters, times the length: 50 characters made of 5 repeated ones are
    about 116 bits; ``secrets.token_urlsafe(60)`` about 460, ``secrets.token_hex(32)`` about 250."""
    counts = Counter(value)
    return -sum(count * math.log2(count / len(value)) for count in counts.values())


def env_secret(name: str) -> str:
    """A secret with no default: production must be given one, and a weak one is refused."""
    value = env_str(name)
    if (
        len(value) < SECRET_MIN_LENGTH
        or len(set(value)) < SECRET_MIN_DISTINCT
        or estimated_bits(value) < SECRET_MIN_BITS
        or value.startswith("django-insecure")
    ):
        raise ImproperlyConfigured(
            f"{name} must be at least {SECRET_MIN_LENGTH} random characters (e.g. python3 -c "
            f"'import secrets; print(secrets.token_urlsafe(60))'); this one is too short or too repetitive."
        )
    return value


def ip_networks(values: list[str]) -> tuple:
    """``["127.0.0.1", "172.30.0.0/24"]`` as ``ipaddress`` networks; a malformed entry raises ValueError."""
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values if value.strip())
