"""The person's choices in the wizard, remembered across app restarts.

If the app is closed mid-download, the next start must continue into the same folder from
the same source, so the choice is written (atomically) as soon as the download starts and
removed once the weights are verified.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass
class WizardChoice:
    mode: str = "mirror"  # official | mirror | custom | import
    endpoint: str = ""  # URL for custom, ignored for official/mirror
    import_from: str = ""  # folder for import mode
    model_dir: str = ""
    sample_rates: list[int] = field(default_factory=lambda: [24000])


def default_state_path() -> Path:
    import platformdirs

    from glmtts_desktop.models.layout import APP_NAME

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "weights-wizard.json"


def load_choice(path: Path) -> WizardChoice | None:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return WizardChoice(**{k: v for k, v in data.items() if k in WizardChoice.__dataclass_fields__})
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError) as exc:
        log.warning("ignoring unreadable wizard state %s: %s", path, exc)
        return None


def save_choice(path: Path, choice: WizardChoice) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(asdict(choice), fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def clear_choice(path: Path) -> None:
    try:
        Path(path).unlink()
    except FileNotFoundError:
        pass
