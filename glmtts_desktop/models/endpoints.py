"""Download sources: the official Hub, hf-mirror.com, or an address the user types.

huggingface_hub reads several settings only once, when it is first imported (endpoint,
Xet, telemetry), so ``prepare_hub_env`` must run before that import and every call passes
``endpoint=`` explicitly; see research/ecosystem.md §1.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from glmtts_desktop.i18n import tr
from glmtts_desktop.models.errors import EndpointError

log = logging.getLogger(__name__)

OFFICIAL = "https://huggingface.co"
MIRROR = "https://hf-mirror.com"
KNOWN = {"official": OFFICIAL, "mirror": MIRROR}


@dataclass(frozen=True)
class Endpoint:
    url: str
    warning: str = ""  # non-empty for plain-http addresses

    @property
    def label(self) -> str:
        for name, url in KNOWN.items():
            if url == self.url:
                return name
        return "custom"


def normalize_endpoint(value: str | None) -> Endpoint:
    """Check and normalise a source address; 'official'/'mirror' are accepted as names.

    https is expected. Plain http is allowed (a LAN mirror) but carries a warning,
    because nothing then protects the metadata in transit; the pinned hashes still do.
    """
    raw = (value or "").strip()
    if not raw:
        raw = OFFICIAL
    if raw.lower() in KNOWN:
        return Endpoint(KNOWN[raw.lower()])
    parts = urlsplit(raw)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise EndpointError(
            tr("'{raw}' is not a web address the app can download from.", raw=raw),
            hint=tr("Enter an address that starts with https://, e.g. https://hf-mirror.com."),
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise EndpointError(
            tr("'{raw}' contains parts a download source cannot have (?, #, user names).", raw=raw),
            hint=tr("Enter only the address, e.g. https://hf-mirror.com."),
        )
    url = f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")
    warning = ""
    if parts.scheme == "http":
        warning = tr(
            "This address uses plain http: the connection is not encrypted. "
            "Downloaded files are still checked against their hashes."
        )
        log.warning("plain-http endpoint %s", url)
    return Endpoint(url, warning)


def endpoint_from_env() -> Endpoint:
    """HF_ENDPOINT when set (the usual way people in mainland China pick a mirror), else official."""
    return normalize_endpoint(os.environ.get("HF_ENDPOINT") or OFFICIAL)


def prepare_hub_env() -> None:
    """Turn Xet and telemetry off before huggingface_hub is imported (and after, if it was)."""
    os.environ["HF_HUB_DISABLE_XET"] = "1"
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")
    import sys

    constants = sys.modules.get("huggingface_hub.constants")
    if constants is not None:  # imported earlier by another library: patch the import-time values
        for name in ("HF_HUB_DISABLE_XET", "HF_HUB_DISABLE_TELEMETRY", "HF_HUB_DISABLE_IMPLICIT_TOKEN"):
            if hasattr(constants, name):
                setattr(constants, name, True)
