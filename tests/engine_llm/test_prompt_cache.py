"""The long-text prompt cache (spec §7.6): budget, eviction order, original prompt kept."""

from __future__ import annotations

from glmtts_desktop.engine.llm import PromptCache


def _seg(tag: int, n_text: int, n_speech: int):
    return [tag] * n_text, [tag] * n_speech


def test_first_segment_uses_the_original_prompt():
    cache = PromptCache([1, 2, 3], [10, 11], budget=750)
    assert cache.select([4, 5]) == ([1, 2, 3], [10, 11])


def test_later_segments_prepend_history_in_order():
    cache = PromptCache([1, 2], [10, 11, 12, 13])
    cache.append(*_seg(100, 3, 5))
    cache.append(*_seg(200, 2, 4))
    text, speech = cache.select([7, 7])
    assert text == [1, 2] + [100] * 3 + [200] * 2
    assert speech == [10, 11, 12, 13] + [100] * 5 + [200] * 4


def test_eviction_oldest_generated_first_until_estimate_fits():
    # prompt: 10 text / 100 speech; three segments of 10 text / 100 speech each -> ratio 10
    cache = PromptCache(*_seg(0, 10, 100), budget=450)
    for tag in (1, 2, 3):
        cache.append(*_seg(tag, 10, 100))
    # cached speech 400, estimate int(10 * 10) = 100 -> 500 > 450: evict segment 1 -> 300 + 100 fits
    text, speech = cache.select([9] * 10)
    assert [t for t, _ in cache.entries] == [[0] * 10, [2] * 10, [3] * 10]
    assert speech == [0] * 100 + [2] * 100 + [3] * 100
    assert text == [0] * 10 + [2] * 10 + [3] * 10
    # a longer text needs more room: estimate 260 -> 560, evict 2 -> 460, evict 3 -> 360; never the prompt
    text, speech = cache.select([9] * 26)
    assert len(cache) == 1 and speech == [0] * 100 and text == [0] * 10


def test_ratio_is_estimated_once_before_evicting():
    # prompt 10/50, seg A 2/150 -> ratio 200/12; est for 6 tokens = int(100.0) = 100.
    cache = PromptCache(*_seg(0, 10, 50), budget=240)
    cache.append(*_seg(1, 2, 150))
    cache.append(*_seg(2, 3, 30))
    # totals: text 15, speech 230 -> ratio 15.33, est int(15.33 * 6) = 92; 230 + 92 > 240 -> evict A;
    # 80 + 92 <= 240 stop (a re-estimated ratio would be 80/13 and give a different story)
    _, speech = cache.select([9] * 6)
    assert speech == [0] * 50 + [2] * 30


def test_original_prompt_is_never_evicted_even_over_budget():
    cache = PromptCache(*_seg(0, 5, 900), budget=750)
    cache.append(*_seg(1, 1, 10))
    assert cache.select([9]) == ([0] * 5, [0] * 900)
    assert len(cache) == 1


def test_one_token_entries_concatenate():
    cache = PromptCache([1], [10])
    cache.append([2], [20])
    assert cache.select([3]) == ([1, 2], [10, 20])


def test_use_cache_false_always_uses_the_original():
    cache = PromptCache([1, 2], [10], use_cache=False)
    cache.append([3], [30])
    assert cache.select([4]) == ([1, 2], [10])


def test_select_returns_copies():
    cache = PromptCache([1, 2], [10])
    text, speech = cache.select([3])
    text.append(99)
    speech.append(99)
    assert cache.select([3]) == ([1, 2], [10])


def test_exactly_at_budget_is_kept():
    cache = PromptCache(*_seg(0, 10, 100), budget=300)
    cache.append(*_seg(1, 10, 100))
    # cached 200, ratio 10, estimate 100 -> 300 is not over the budget
    assert cache.select([9] * 10)[1] == [0] * 100 + [1] * 100
    assert cache.select([9] * 11)[1] == [0] * 100  # 310 > 300 -> evicted
