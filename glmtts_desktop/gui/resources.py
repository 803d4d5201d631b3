"""Kept so GUI code can import resource paths from its own package; the home is glmtts_desktop.resources."""

from __future__ import annotations

from glmtts_desktop.resources import resource_path, resources_root

__all__ = ["resource_path", "resources_root"]
