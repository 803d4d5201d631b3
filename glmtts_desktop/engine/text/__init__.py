"""Text side of the engine: normalisation, splitting, G2P and the text tokenizer.

Import cost matters (the GUI may import the engine package early), so heavy libraries
(wetext, jieba, pypinyin, tiktoken) load lazily inside the functions that need them.
"""

from glmtts_desktop.engine.text.frontend import TextFrontend
from glmtts_desktop.engine.text.overrides import (
    load_replace_dict,
    overrides_from_replace_dict,
    replace_dict_from_overrides,
    save_replace_dict,
)
from glmtts_desktop.engine.text.tokenizer import SpecialIds, TextTokenizer
from glmtts_desktop.engine.text.tokenizer_files import write_tokenizer_files

__all__ = [
    "TextTokenizer",
    "SpecialIds",
    "TextFrontend",
    "write_tokenizer_files",
    "load_replace_dict",
    "save_replace_dict",
    "overrides_from_replace_dict",
    "replace_dict_from_overrides",
]
