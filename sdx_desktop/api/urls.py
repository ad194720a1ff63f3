"""Regions, base URLs and the https-only rule."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from .errors import InsecureUrlError

#: Region label → base URL, as the vendor documents them. ``us1`` is the bare host.
REGIONS: dict[str, str] = {
    "us1": "https://surveydynamix.com/api",
    "us2": "https://us2.surveydynamix.com/api",
    "us3": "https://us3.surveydynamix.com/api",
    "ca1": "https://ca1.surveydynamix.com/api",
    "eu1": "https://eu1.surveydynamix.com/api",
    "au1": "https://au1.surveydynamix.com/api",
}


def region_url(region: str) -> str:
    try:
        return REGIONS[region.strip().lower()]
    except KeyError:
        raise InsecureUrlError(
            f"“{region}” is not a Survey Dynamix region ({', '.join(REGIONS)})."
        ) from None


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalise_base_url(url: str) -> str:
    """Check and tidy a custom base URL.

    HTTPS is required; plain HTTP is allowed only to this computer (the sandbox).
    Raises :class:`InsecureUrlError` before any connection is attempted.
    """
    cleaned = url.strip().rstrip("/")
    parts = urlsplit(cleaned)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InsecureUrlError(
            "The address is not a web address. It should look like https://surveydynamix.com/api."
        )
    if parts.username or parts.password:
        raise InsecureUrlError("The address must not contain a user name or password.")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise InsecureUrlError()
    if parts.query or parts.fragment:
        raise InsecureUrlError("The address must not contain “?” or “#” parts.")
    return cleaned
