"""Voice photos on screen: decode-check a chosen file, round thumbnails, a neutral placeholder.

Why decode here: the library only checks a photo's first bytes and size (it has no image
decoder); Qt really decodes the file before it is offered to the library, so a damaged JPEG
is refused with a clear message instead of showing as an empty circle later.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QImageReader, QPainter, QPainterPath, QPalette, QPixmap
from PySide6.QtWidgets import QFileDialog, QWidget

from glmtts_desktop.gui.errors import GuiInputError
from glmtts_desktop.gui.i18n import tr

PHOTO_FILTER_EXTS = "*.png *.jpg *.jpeg *.webp"
_cache: dict[tuple[str, int], QPixmap] = {}


def check_photo_file(path: Path) -> None:
    """Raise GuiInputError (translated) unless Qt can decode ``path`` as an image."""
    reader = QImageReader(str(path))
    image = reader.read()
    if image.isNull():
        raise GuiInputError(
            tr("{name} could not be opened as a picture.", name=Path(path).name),
            hint=tr("Choose a photo saved as PNG, JPEG or WebP."),
            detail=f"{path}: {reader.errorString()}",
        )


def choose_photo_file(parent: QWidget | None) -> Path | None:
    """Ask for a photo file (tests replace this)."""
    path, _ = QFileDialog.getOpenFileName(
        parent, tr("Choose a photo"), "", tr("Pictures ({exts})", exts=PHOTO_FILTER_EXTS)
    )
    return Path(path) if path else None


def _round(image: QImage, size: int) -> QPixmap:
    side = min(image.width(), image.height())
    square = image.copy((image.width() - side) // 2, (image.height() - side) // 2, side, side)
    scaled = square.scaled(
        size, size, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
    )
    out = QPixmap(size, size)
    out.fill(Qt.GlobalColor.transparent)
    p = QPainter(out)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    clip = QPainterPath()
    clip.addEllipse(QRectF(0, 0, size, size))
    p.setClipPath(clip)
    p.drawImage(0, 0, scaled)
    p.end()
    return out


def placeholder(name: str, size: int, palette: QPalette) -> QPixmap:
    """A neutral circle with the name's first letter (no photo chosen, or it cannot be read)."""
    out = QPixmap(size, size)
    out.fill(Qt.GlobalColor.transparent)
    p = QPainter(out)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    base = palette.color(QPalette.ColorRole.Mid)
    p.setBrush(QColor(base))
    p.setPen(Qt.PenStyle.NoPen)
    p.drawEllipse(QRectF(0, 0, size, size))
    letter = (name.strip()[:1] or "?").upper()
    font = QFont()
    font.setPixelSize(max(8, int(size * 0.45)))
    font.setBold(True)
    p.setFont(font)
    p.setPen(palette.color(QPalette.ColorRole.Base))
    p.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, letter)
    p.end()
    return out


def voice_pixmap(photo: Path | None, sha256: str | None, name: str, size: int, palette: QPalette) -> QPixmap:
    """The voice's round photo at ``size`` px, or the placeholder; decoded once per photo and size."""
    if photo is None or not sha256:
        return placeholder(name, size, palette)
    key = (sha256, size)
    hit = _cache.get(key)
    if hit is not None:
        return hit
    reader = QImageReader(str(photo))
    reader.setAutoTransform(True)  # camera photos stand upright
    full = reader.size()
    if full.isValid() and min(full.width(), full.height()) > 4 * size:  # decode small, fast
        scale = 4 * size / min(full.width(), full.height())
        reader.setScaledSize(QSize(int(full.width() * scale), int(full.height() * scale)))
    image = reader.read()
    if image.isNull():
        return placeholder(name, size, palette)
    pix = _round(image, size)
    _cache[key] = pix
    return pix
