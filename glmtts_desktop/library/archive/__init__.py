"""Archives: export voices, consent and generations as BagIt (RFC 8493), import them back."""

from glmtts_desktop.library.archive.export import export_archive
from glmtts_desktop.library.archive.importer import import_archive
from glmtts_desktop.library.archive.restore import ImportReport

__all__ = ["ImportReport", "export_archive", "import_archive"]
