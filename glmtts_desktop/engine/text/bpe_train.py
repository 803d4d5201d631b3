"""A tiny byte-level BPE trainer for the random "dev checkpoints".

Dev checkpoints need a tokenizer that behaves like the real one (byte fallback, real merges,
the same pre-tokenisation) but is small and ours. Training a few hundred merges on a short
built-in sample takes a fraction of a second.
"""

from __future__ import annotations

import logging
import random
from collections import Counter

import regex

from glmtts_desktop.engine.text.tokenizer import PAT_STR

log = logging.getLogger(__name__)

# Our own sample text: everyday English and Mandarin, with numbers and punctuation.
SAMPLE_TEXT = """\
The weather is nice today, and we are going to the park after lunch.
Please read the next chapter before the meeting on Monday.
She said that the train would arrive at the station in ten minutes.
I think this is the best song that I have heard this year!
Can you tell me where the nearest bookshop is?
We should practise speaking every day, not only before the test.
There are three hundred and sixty five days in a year.
He opened the window and the cold morning air came into the room.
今天天气很好，我们下午一起去公园散步吧。
请在星期一开会之前读完下一章。
她说火车还有十分钟就会到站了。
我觉得这是我今年听过最好听的一首歌！
你能告诉我最近的书店在哪里吗？
我们应该每天练习说话，而不是只在考试之前练习。
一年有三百六十五天，一天有二十四个小时。
他打开窗户，早晨的冷空气吹进了房间。
我们的国家有很多美丽的地方，人们都很热情。
学生们在教室里认真地听老师讲课，时间过得很快。
"""


def train_merges(text: str, n_merges: int, *, seed: int = 0) -> list[bytes]:
    """New tokens (beyond the 256 single bytes) in merge order, at most ``n_merges``.

    ``seed`` shuffles the sample lines, which only changes how ties are broken.
    """
    lines = text.splitlines()
    random.Random(seed).shuffle(lines)
    pat = regex.compile(PAT_STR)
    words: Counter[tuple[bytes, ...]] = Counter()
    for line in lines:
        for chunk in pat.findall(line + "\n"):
            words[tuple(bytes([b]) for b in chunk.encode("utf-8"))] += 1
    vocab = {bytes([b]) for b in range(256)}
    merges: list[bytes] = []
    while len(merges) < n_merges:
        pairs: Counter[tuple[bytes, bytes]] = Counter()
        for word, count in words.items():
            for a, b in zip(word, word[1:]):
                pairs[(a, b)] += count
        if not pairs:
            break
        (a, b), count = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
        new = a + b
        if new not in vocab:
            vocab.add(new)
            merges.append(new)
        merged: Counter[tuple[bytes, ...]] = Counter()
        for w, c in words.items():
            merged[_merge(w, a, b, new)] += c
        words = merged
    log.debug("trained %d BPE merges", len(merges))
    return merges


def _merge(word: tuple[bytes, ...], a: bytes, b: bytes, new: bytes) -> tuple[bytes, ...]:
    out: list[bytes] = []
    i = 0
    while i < len(word):
        if i + 1 < len(word) and word[i] == a and word[i + 1] == b:
            out.append(new)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return tuple(out)
