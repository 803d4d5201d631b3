"""The GLM-TTS text tokenizer, rebuilt from data files without executing checkpoint code.

The official checkpoint loads ``vq32k-phoneme-tokenizer`` through ``trust_remote_code``, which
runs a Python file shipped with the weights. Everything that file does is data-driven: a
tiktoken byte-level BPE rank file (``tokenizer.model``) plus HF's added-token table in
``tokenizer_config.json``. We read both as plain data and reproduce the slow HF tokenizer's
behaviour: split on added tokens first (longest match), BPE-encode the text in between, and add
no BOS/prefix tokens.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from glmtts_desktop.engine.errors import CorruptWeightsError, MissingWeightsError
from glmtts_desktop.engine.text.resources import phoneme_inventory
from glmtts_desktop.engine.types import SpecialIds
from glmtts_desktop.i18n import tr

log = logging.getLogger(__name__)

RANK_FILE = "tokenizer.model"
CONFIG_FILE = "tokenizer_config.json"

# Pre-tokenisation regex of the GLM-4 tokenizer (spec section 3), in tiktoken/fancy-regex syntax.
PAT_STR = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
    r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)

AUDIO_TOKEN_RE = re.compile(r"<\|audio_(\d+)\|>")

_UTF8_BYTES = [b for b in range(256) if b not in (0xC0, 0xC1) and b < 0xF5]

_REDOWNLOAD_HINT = "Download the model again from the Models page, or re-import the model folder."


@dataclass(frozen=True)
class _Added:
    content: str
    id: int
    lstrip: bool
    rstrip: bool


class TextTokenizer:
    """Byte-level BPE plus an added-token table; see the module docstring for why."""

    def __init__(
        self,
        ranks: dict[bytes, int],
        added: Iterable[tuple[str, int, bool, bool]],
        *,
        source: str = "<memory>",
    ) -> None:
        import tiktoken  # heavy-ish import kept local: the GUI may import this module early

        self._source = source
        self._ranks = ranks
        self._bpe = tiktoken.Encoding(
            name="glmtts_text", pat_str=PAT_STR, mergeable_ranks=ranks, special_tokens={}
        )
        self._added: dict[str, _Added] = {}
        self._added_by_id: dict[int, str] = {}
        for content, tid, lstrip, rstrip in added:
            if not content:
                raise CorruptWeightsError(
                    tr(
                        "The tokenizer in {source} has an empty added token (id {tid}).",
                        source=source,
                        tid=tid,
                    ),
                    hint=_REDOWNLOAD_HINT,
                )
            if tid in self._added_by_id and self._added_by_id[tid] != content:
                raise CorruptWeightsError(
                    tr(
                        "The tokenizer in {source} gives id {tid} to two added tokens.",
                        source=source,
                        tid=tid,
                    ),
                    hint=_REDOWNLOAD_HINT,
                )
            self._added[content] = _Added(content, tid, lstrip, rstrip)
            self._added_by_id[tid] = content
        # Bucket added tokens by first character, lengths longest first: a cheap longest-match
        # scan even with 36 000 added tokens (a single regex alternation compiles slowly).
        buckets: dict[str, dict[int, set[str]]] = {}
        for content in self._added:
            buckets.setdefault(content[0], {}).setdefault(len(content), set()).add(content)
        self._buckets = {ch: sorted(by_len.items(), key=lambda kv: -kv[0]) for ch, by_len in buckets.items()}
        self._first_chars = re.compile("[" + "".join(re.escape(c) for c in self._buckets) + "]")
        self.vocab_size = max([*ranks.values(), *self._added_by_id, -1]) + 1
        self.special = self._find_special_ids()
        self.n_audio_tokens = self.special.ate - self.special.ats + 1
        self.phoneme_tokens = frozenset(f"<|{p}|>" for p in phoneme_inventory() if f"<|{p}|>" in self._added)

    # ------------------------------------------------------------------ loading
    @classmethod
    def from_dir(cls, path: Path | str) -> TextTokenizer:
        """Load ``tokenizer.model`` + ``tokenizer_config.json`` from a tokenizer folder."""
        folder = Path(path)
        t0 = time.perf_counter()
        if not folder.is_dir():
            raise MissingWeightsError(
                tr("The text tokenizer folder {folder} does not exist.", folder=folder), hint=_REDOWNLOAD_HINT
            )
        ranks = _read_ranks(folder / RANK_FILE)
        added = _read_added_tokens(folder / CONFIG_FILE)
        base_ids = set(ranks.values())
        clash = [c for c, tid, _, _ in added if tid in base_ids]
        if clash:
            raise CorruptWeightsError(
                tr(
                    "{value} gives added tokens ids already used by {RANK_FILE} (e.g. {clash}).",
                    value=folder / CONFIG_FILE,
                    RANK_FILE=RANK_FILE,
                    clash=repr(clash[0]),
                ),
                hint=_REDOWNLOAD_HINT,
            )
        tok = cls(ranks, added, source=str(folder))
        log.info(
            "text tokenizer loaded from %s: %d BPE ranks, %d added tokens, %d audio tokens (%.2f s)",
            folder,
            len(ranks),
            len(added),
            tok.n_audio_tokens,
            time.perf_counter() - t0,
        )
        return tok

    # ------------------------------------------------------------------ encode / decode
    def encode(self, text: str) -> list[int]:
        """Ids for ``text`` exactly as the official (slow HF) tokenizer produces them."""
        ids: list[int] = []
        for piece, tid in self._split_added(text):
            if tid is not None:
                ids.append(tid)
            elif piece:
                ids.extend(self._bpe.encode_ordinary(piece))
        return ids

    def decode(self, ids: Iterable[int]) -> str:
        """Text for ``ids``; invalid UTF-8 (a character cut between tokens) becomes U+FFFD."""
        out = bytearray()
        for tid in ids:
            tid = int(tid)
            content = self._added_by_id.get(tid)
            if content is not None:
                out += content.encode("utf-8")
                continue
            try:
                out += self._bpe.decode_single_token_bytes(tid)
            except KeyError:
                raise ValueError(f"token id {tid} is not in this tokenizer") from None
        return out.decode("utf-8", errors="replace")

    def token_id(self, s: str) -> int | None:
        """The id of ``s`` if it is one token (added token or a whole BPE rank), else None."""
        added = self._added.get(s)
        if added is not None:
            return added.id
        return self._ranks.get(s.encode("utf-8"))

    def token_bytes(self, tid: int) -> bytes:
        """Raw bytes of one token (added tokens as their UTF-8 text)."""
        content = self._added_by_id.get(int(tid))
        if content is not None:
            return content.encode("utf-8")
        return self._bpe.decode_single_token_bytes(int(tid))

    def is_added(self, tid: int) -> bool:
        return int(tid) in self._added_by_id

    @property
    def n_base_tokens(self) -> int:
        return len(self._ranks)

    # ------------------------------------------------------------------ internals
    def _split_added(self, text: str) -> Iterator[tuple[str, int | None]]:
        """Yield (piece, None) for plain text and (content, id) for added tokens."""
        if not self._added:
            yield text, None
            return
        pos = 0
        start = 0
        pending_lstrip = False  # strip leading spaces of the next plain piece (rstrip flag)
        n = len(text)
        while True:
            m = self._first_chars.search(text, pos)
            if m is None:
                break
            i = m.start()
            found: _Added | None = None
            for length, contents in self._buckets[text[i]]:
                if i + length <= n and text[i : i + length] in contents:
                    found = self._added[text[i : i + length]]
                    break
            if found is None:
                pos = i + 1
                continue
            piece = text[start:i]
            if pending_lstrip:
                piece = piece.lstrip()
            if found.lstrip:
                piece = piece.rstrip()
            if piece:
                yield piece, None
            yield found.content, found.id
            pending_lstrip = found.rstrip
            start = pos = i + len(found.content)
        piece = text[start:]
        if pending_lstrip:
            piece = piece.lstrip()
        if piece:
            yield piece, None

    def _find_special_ids(self) -> SpecialIds:
        def single(s: str) -> int:
            ids = self.encode(s)
            if len(ids) != 1:
                raise CorruptWeightsError(
                    tr(
                        "The tokenizer in {source} has no single token for {s}; it is not a GLM-TTS text tokenizer.",
                        source=self._source,
                        s=repr(s),
                    ),
                    hint=_REDOWNLOAD_HINT,
                )
            return ids[0]

        pad = single("<|endoftext|>")
        ats = single("<|audio_0|>")
        audio = []
        for content, added in self._added.items():
            m = AUDIO_TOKEN_RE.fullmatch(content)
            if m:
                audio.append((int(m.group(1)), added.id))
        audio.sort()
        for k, (index, tid) in enumerate(audio):
            if index != k or tid != ats + k:
                raise CorruptWeightsError(
                    tr(
                        "The audio tokens of the tokenizer in {source} are not contiguous (<|audio_{index}|> has id {tid}, expected <|audio_{k}|> at {value}).",
                        source=self._source,
                        index=index,
                        tid=tid,
                        k=k,
                        value=ats + k,
                    ),
                    hint=_REDOWNLOAD_HINT,
                )
        ate = single(f"<|audio_{len(audio) - 1}|>")
        ids = SpecialIds(ats=ats, ate=ate, boa=single("<|begin_of_audio|>"), eoa=single("<|user|>"), pad=pad)
        for name in ("ats", "ate", "boa", "eoa"):
            if getattr(ids, name) < pad:
                raise CorruptWeightsError(
                    tr(
                        "The tokenizer in {source}: token {name} has an id below <|endoftext|>; the added-token table is damaged.",
                        source=self._source,
                        name=name,
                    ),
                    hint=_REDOWNLOAD_HINT,
                )
        return ids


def _read_ranks(path: Path) -> dict[bytes, int]:
    if not path.is_file():
        raise MissingWeightsError(
            tr("The text tokenizer file {path} is missing.", path=path), hint=_REDOWNLOAD_HINT
        )
    ranks: dict[bytes, int] = {}
    lineno = 0
    try:
        with path.open("rb") as f:
            for lineno, raw in enumerate(f, 1):
                line = raw.strip()
                if not line:
                    continue
                token_b64, rank_s = line.split()
                token = base64.b64decode(token_b64, validate=True)
                if token in ranks:
                    raise ValueError(f"duplicate token on line {lineno}")
                ranks[token] = int(rank_s)
    except (ValueError, binascii.Error) as exc:
        raise CorruptWeightsError(
            tr("The text tokenizer file {path} is damaged (line {lineno}).", path=path, lineno=lineno),
            hint=_REDOWNLOAD_HINT,
            detail=str(exc),
        ) from exc
    except OSError as exc:
        raise CorruptWeightsError(
            tr("The text tokenizer file {path} cannot be read.", path=path),
            hint=_REDOWNLOAD_HINT,
            detail=str(exc),
        ) from exc
    if not ranks:
        raise CorruptWeightsError(
            tr("The text tokenizer file {path} is empty.", path=path), hint=_REDOWNLOAD_HINT
        )
    if len(set(ranks.values())) != len(ranks):
        raise CorruptWeightsError(
            tr("The text tokenizer file {path} gives the same rank to two tokens.", path=path),
            hint=_REDOWNLOAD_HINT,
        )
    # Every byte that can occur in UTF-8 text needs a token, or tiktoken cannot encode it
    # (0xC0, 0xC1 and 0xF5..0xFF never occur, so a vocabulary may leave them out).
    missing_bytes = [b for b in _UTF8_BYTES if bytes([b]) not in ranks]
    if missing_bytes:
        raise CorruptWeightsError(
            tr(
                "The text tokenizer file {path} lacks {missing_bytes} single-byte tokens, so some text could not be encoded.",
                path=path,
                missing_bytes=len(missing_bytes),
            ),
            hint=_REDOWNLOAD_HINT,
        )
    return ranks


def _read_added_tokens(path: Path) -> list[tuple[str, int, bool, bool]]:
    """(content, id, lstrip, rstrip) from HF's ``added_tokens_decoder`` table."""
    if not path.is_file():
        raise MissingWeightsError(
            tr("The text tokenizer file {path} is missing.", path=path), hint=_REDOWNLOAD_HINT
        )
    try:
        cfg = json.loads(path.read_text(encoding="utf-8"))
        table = cfg["added_tokens_decoder"]
        out = []
        for key, entry in table.items():
            if isinstance(entry, str):  # tolerate the plain {id: content} form
                entry = {"content": entry}
            out.append(
                (
                    str(entry["content"]),
                    int(key),
                    bool(entry.get("lstrip", False)),
                    bool(entry.get("rstrip", False)),
                )
            )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CorruptWeightsError(
            tr("The text tokenizer file {path} is damaged or has no added-token table.", path=path),
            hint=_REDOWNLOAD_HINT,
            detail=f"{type(exc).__name__}: {exc}",
        ) from exc
    return out
