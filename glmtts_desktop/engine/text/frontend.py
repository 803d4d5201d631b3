"""The text frontend: raw text to what the model reads, segment by segment (spec 2.2-2.5).

Order, as in the official long-text path: normalise the whole text, split it into segments
of 30-60 character-equivalents, normalise every segment again, then (phoneme mode) G2P, then
tokenise. User overrides are protected by placeholders before any of this and replaced at
the end, so they hit exactly the occurrences the user chose.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from glmtts_desktop.engine.errors import TextInputError
from glmtts_desktop.engine.text import placeholders, wetext_tn
from glmtts_desktop.engine.text.g2p import G2P
from glmtts_desktop.engine.text.normalize import contains_chinese, text_normalize
from glmtts_desktop.engine.text.overrides import load_replace_dict, protect
from glmtts_desktop.engine.text.resources import resource_path
from glmtts_desktop.engine.text.split import split_by_len
from glmtts_desktop.engine.text.tokenizer import TextTokenizer
from glmtts_desktop.engine.types import PronunciationOverride, TextSegment
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)

DEFAULT_REPLACE_DICT = "g2p_replace_dict.jsonl"


def _speakable(text: str) -> bool:
    return any(ch.isalnum() or placeholders.is_placeholder(ch) for ch in text)


class TextFrontend:
    """Normalisation, splitting, G2P and tokenisation for one tokenizer.

    ``replace_dict`` is the phoneme-mode replacement dictionary; None loads our default
    (resources/text/g2p_replace_dict.jsonl, the three entries the official release ships).
    """

    def __init__(self, tokenizer: TextTokenizer, *, replace_dict: dict[str, str] | None = None) -> None:
        self.tokenizer = tokenizer
        if replace_dict is None:
            path = resource_path(DEFAULT_REPLACE_DICT)
            replace_dict = load_replace_dict(path) if path.is_file() else {}
        self.replace_dict = dict(replace_dict)
        self._g2p: G2P | None = None

    # ------------------------------------------------------------------ stages
    def normalize(self, text: str) -> str:
        return text_normalize(placeholders.strip_all(text))

    def segments(self, text: str) -> list[str]:
        """Segments exactly as the model reads them in normal mode (before G2P)."""
        return [seg for seg in self._segments(placeholders.strip_all(text), None)]

    def prepare(
        self,
        text: str,
        *,
        use_phoneme: bool = False,
        overrides: Iterable[PronunciationOverride] = (),
    ) -> list[TextSegment]:
        """Everything the LLM needs per segment; raises TextInputError for unusable text."""
        if not text or not text.strip():
            raise TextInputError(tr("There is no text to speak."), hint=tr("Type or paste some text."))
        t0 = time.perf_counter()
        overrides = tuple(overrides)
        for ov in overrides:
            self._check_replacement(ov.text, ov.replacement)
        if use_phoneme:
            for surface, rep in self.replace_dict.items():
                self._check_replacement(surface, rep)
        prot = protect(text, overrides)
        segs = self._segments(prot.text, prot.surfaces)
        if not segs:
            raise TextInputError(
                tr("Nothing speakable is left in the text after normalisation."),
                hint=tr("Use words, not only emoji, symbols or punctuation."),
            )
        out = []
        for seg in segs:
            model_text = self._g2p_for()(seg, self.replace_dict) if use_phoneme else seg
            model_text = prot.substitute(model_text)
            out.append(
                TextSegment(
                    normalized=prot.restore(seg),
                    model_text=model_text,
                    token_ids=tuple(self.tokenizer.encode(model_text)),
                )
            )
        log.debug(
            "prepared %d chars into %d segments in %.2f s", len(text), len(out), time.perf_counter() - t0
        )
        return out

    def prompt_ids(self, transcript: str) -> tuple[str, list[int]]:
        """Normalised transcript and the ids of ``normalized + " "`` (spec 2.5)."""
        normalized = self.normalize(transcript)
        if not _speakable(normalized):
            raise TextInputError(
                tr("The transcript of the reference audio is empty or has nothing speakable."),
                hint=tr("Type exactly what is said in the reference recording."),
            )
        return normalized, self.tokenizer.encode(normalized + " ")

    def unmappable_chars(self, text: str, *, byte_fallback: bool = True) -> list[str]:
        """Characters the model will not hear, in order of first appearance.

        Letters, digits and symbols the normaliser deletes (emoji, unknown symbols), and, with
        ``byte_fallback``, characters the tokenizer can only spell as raw bytes no token covers
        (the model does read those, but never saw them as a unit: likely mispronounced).
        """
        text = placeholders.strip_all(text)
        normalized = self.normalize(text)
        present = set(normalized)
        ctx = "中" if contains_chinese(text) else "a"
        baseline = text_normalize(ctx + ctx)
        out: list[str] = []
        seen: set[str] = set()
        for ch in text:
            if ch in seen:
                continue
            seen.add(ch)
            if ch in present:
                if byte_fallback and ord(ch) > 127 and self._byte_fallback(ch):
                    out.append(ch)
                continue
            if unicodedata.category(ch)[0] not in "LNS":
                continue  # spaces, punctuation, controls: folded or dropped by design
            if text_normalize(ctx + ch + ctx) == baseline:
                out.append(ch)
        return out

    def warm_up(self, *, use_phoneme: bool = False) -> None:
        """Load the TN grammars (and jieba for phoneme mode) before the first request."""
        wetext_tn.warm_up()
        if use_phoneme:
            self._g2p_for()("中")

    # ------------------------------------------------------------------ internals
    def _segments(self, text: str, surfaces: dict[str, str] | None) -> list[str]:
        whole = text_normalize(text, surfaces)
        out = []
        for piece in split_by_len(whole, surfaces=surfaces):
            seg = text_normalize(piece, surfaces)
            if _speakable(seg):
                out.append(seg)
            else:
                log.debug("dropped a segment with nothing speakable: %r", seg)
        return out

    def _check_replacement(self, surface: str, replacement: str) -> None:
        """Replacements go to the model verbatim: allow text and phoneme tokens, but never a
        control token (a ``<|user|>`` would stop generation, audio tokens would fake speech)."""
        tok = self.tokenizer
        for tid in tok.encode(replacement):
            if tok.is_added(tid):
                content = tok.decode([tid])
                if content not in tok.phoneme_tokens:
                    raise TextInputError(
                        tr(
                            "The pronunciation for {surface} contains the control token {content}, which cannot be used there.",
                            surface=repr(surface),
                            content=content,
                        ),
                        hint=tr("Use phoneme tokens such as <|X|><|ING2|> or plain text."),
                    )

    def _g2p_for(self) -> G2P:
        if self._g2p is None:
            self._g2p = G2P(self.tokenizer.phoneme_tokens)
        return self._g2p

    def _byte_fallback(self, ch: str) -> bool:
        ids = self.tokenizer.encode(ch)
        if len(ids) <= 1:
            return False
        for tid in ids:
            try:
                self.tokenizer.token_bytes(tid).decode("utf-8")
                return False
            except UnicodeDecodeError:
                continue
        return True


def load_frontend(tokenizer_dir: Path, replace_dict: Path | None = None) -> TextFrontend:
    """Convenience for tools: tokenizer folder (+ optional dictionary file) to a frontend."""
    tok = TextTokenizer.from_dir(tokenizer_dir)
    mapping = load_replace_dict(replace_dict) if replace_dict is not None else None
    return TextFrontend(tok, replace_dict=mapping)
