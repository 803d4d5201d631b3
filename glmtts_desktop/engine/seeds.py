"""The one range every seed must be in, checked where a seed enters (CLI, GUI, engine).

torch's generators take a signed 64-bit seed, so 2**63 or more used to end in
"Overflow when unpacking long long" deep inside a synthesis. No torch here: the GUI and the
CLI's option parser use this module without loading the models.
"""

from __future__ import annotations

from glmtts_desktop.errors import InvalidInputError
from glmtts_desktop.i18n import tr

MIN_SEED = 0
MAX_SEED = 2**63 - 1
# A QSpinBox holds a C int: the GUI's seed box offers 0..2**31-1, a subset of the valid range.
SEED_BOX_MAX = 2**31 - 1


def check_seed(seed: object) -> int:
    """``seed`` as an int in [MIN_SEED, MAX_SEED], or an InvalidInputError saying the range."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        try:
            value = int(str(seed).strip(), 10)
        except ValueError:
            raise InvalidInputError(
                tr("The seed {seed} is not a whole number.", seed=repr(str(seed))), hint=_HINT
            ) from None
    else:
        value = seed
    if not MIN_SEED <= value <= MAX_SEED:
        raise InvalidInputError(tr("The seed {value} is out of range.", value=value), hint=_HINT)
    return value


_HINT = f"Use a whole number from {MIN_SEED} to {MAX_SEED}."
