"""Every user-facing string of every layer has a zh_CN entry with the same placeholders.

The strings are collected statically with ast: the first argument of every ``tr(...)``,
``N_(...)`` and ``t.tr(...)`` call and the text argument of ``t.bind(setter, text)`` anywhere in
the package (implicitly concatenated literals count as one key). A call that passes a variable
must be listed in KNOWN_DYNAMIC with where its values come from (they are N_-marked constants
or core messages already translated), so a new untranslatable call fails here until it is
looked at.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from glmtts_desktop.i18n import load_table, reload_tables

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "glmtts_desktop"

#: "path relative to the package: argument source" -> where the values come from
KNOWN_DYNAMIC = {
    "i18n.py: text.msgid": "re-translation of a Message made by tr()",
    "i18n.py: msgid.msgid": "a fragment tr() already made, translated again where it is used",
    "codetrust.py: what": "fragments, N_-marked at the call sites (checked below)",
    "engine/flow/weights_io.py: what": "fragments, N_-marked at the call sites (checked below)",
    "engine/frontend/_audio_checks.py: what": "fragments, N_-marked at the call sites (checked below)",
    "library/db.py: action": "fragments, N_-marked at the call sites (checked below)",
    "library/files.py: what": "fragments, N_-marked at the call sites (checked below)",
    "library/generations.py: what": "fragments, N_-marked at the call sites (checked below)",
    "models/hubmeta.py: what": "fragments, N_-marked at the call sites (checked below)",
    "gui/i18n.py: text": "the Qt adapter passes literals from its callers through",
    "gui/main_window.py: text": "menu action labels: literals at the call sites",
    "gui/main_window.py: label": "the language menu's 'System language' entry",
    "gui/main_window.py: progress.message": "engine/worker progress text, tr() in the core",
    "gui/panels/generate_panel.py: _STAGES.get(p.stage, p.stage)": "N_-marked stage names",
    "gui/panels/generate_panel.py: key": "literals in the form rows",
    "gui/panels/generate_panel.py: plain": "_METHOD_LABELS, N_-marked",
    "gui/panels/generate_panel.py: _METHOD_TIP": "an N_-marked constant",
    "gui/panels/generate_panel.py: _PROMPT_CACHE_TIP": "an N_-marked constant",
    "gui/panels/generate_panel.py: _PHONEME_TIP": "an N_-marked constant",
    "gui/panels/generate_panel.py: _QUALITY_TIP": "an N_-marked constant",
    "gui/panels/generate_panel.py: _SEED_TIP": "an N_-marked constant",
    "gui/panels/generate_panel.py: _DICE_TIP": "an N_-marked constant",
    "gui/panels/generate_panel.py: _ADVANCED_TIP": "an N_-marked constant",
    "gui/panels/generate_panel.py: _UNTRUSTED_TIP": "an N_-marked constant",
    "gui/panels/generate_panel.py: _TRUST_TIP": "an N_-marked constant",
    "gui/vocoder_trust.py: _WHAT_IT_IS": "an N_-marked constant",
    "gui/vocoder_trust.py: _WHY_ASKED": "an N_-marked constant",
    "gui/panels/generate_panel.py: tip": "the N_-marked tooltips above, passed to _add_row",
    "gui/panels/generate_panel.py: label": "_RATE_LABELS, N_-marked",
    "gui/panels/result_panel.py: label": "literals at the call sites",
    "gui/panels/reference_playback.py: tip": "literals in the button table",
    "gui/panels/text_panel.py: key": "literals at the call sites",
    "gui/panels/segment_list.py: _WORDS[status]": "N_-marked segment status words",
    "gui/widgets/output_choice.py: tip": "literals at the refresh_button call sites",
    "gui/session.py: MSG_CUT_ONE": "an N_-marked constant",
    "gui/session.py: MSG_CUT_MANY": "an N_-marked constant",
    "gui/history_search.py: label": "N_-marked period labels",
    "gui/voices/archive_actions.py: MSG_EXPORT_INTRO": "a literal constant in the module",
    "gui/panels/record_control.py: self._first": "N_-marked first list items",
    "gui/panels/voice_panel.py: SAVED_VOICES": "an N_-marked constant",
    "gui/wizard/pages.py: msgid": "N_-marked at the _bound/_button call sites",
    "gui/wizard/wizard.py: text": "N_-marked wizard button labels",
    "gui/voices/clips_panel.py: label": "N_-marked literals in the button table",
    "gui/voices/clips_panel.py: tip": "N_-marked literals in the button table",
    "gui/voices/archive_actions.py: PROBLEMS.get(p.problem, p.problem)": "N_-marked integrity problems",
    "gui/voices/consent_dialog.py: MSG_INTRO": "a literal constant in the module",
    "gui/voices/consent_gate.py: MSG_ASK_DETAIL": "a literal constant in the module",
    "gui/voices/consent_dialog.py: label": "N_-marked basis and scope labels",
    "gui/voices/voices_view.py: label": "N_-marked button, form and language labels",
    "gui/voices/voices_view.py: dict(BASES).get(c.basis, c.basis)": "N_-marked basis labels",
    "gui/panels/voice_panel.py: first.message": "audio analysis issues, tr() in the core",
    "gui/panels/voice_panel.py: first.hint": "audio analysis issues, tr() in the core",
    "gui/panels/voice_panel.py: i.message": "audio analysis issues, tr() in the core",
    "gui/panels/voice_panel.py: i.hint": "audio analysis issues, tr() in the core",
    "gui/panels/voice_panel.py: MSG_TRUNCATED": "a literal constant in the module",
    "gui/widgets/model_status.py: _STATE_TEXT.get(self.state, self.state)": "N_-marked state names",
    "gui/wizard/pages.py: text": "RATE_CHOICES labels",
    "gui/wizard/pages.py: ep.warning": "models.endpoints warning, tr() in the core",
    "audio/backend.py: reason": "NO_PORTAUDIO_REASON (N_) or a reason a caller translated",
}


def _translation_args() -> Iterator[tuple[str, ast.expr]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in {"tr", "N_"} and node.args:
                yield rel, node.args[0]
            elif name == "bind" and len(node.args) >= 2:
                yield rel, node.args[1]


def _literal_keys() -> dict[str, str]:
    return {
        a.value: rel
        for rel, a in _translation_args()
        if isinstance(a, ast.Constant) and isinstance(a.value, str)
    }


def _placeholders(s: str) -> set[str]:
    return set(re.findall(r"\{(\w*)", s))


def test_no_unknown_dynamic_translation_arguments():
    dynamic = {
        f"{rel}: {ast.unparse(a)}" for rel, a in _translation_args() if not isinstance(a, ast.Constant)
    }
    unknown = sorted(dynamic - set(KNOWN_DYNAMIC))
    assert not unknown, f"tr() called with values this test cannot see: {unknown}"


def test_every_string_of_every_layer_has_a_chinese_entry():
    reload_tables()
    table = load_table("zh_CN")
    keys = _literal_keys()
    assert len(keys) > 150 and "" not in keys
    missing = sorted(f"{rel}: {k!r}" for k, rel in keys.items() if k not in table)
    assert not missing, f"missing zh_CN entries ({len(missing)}):\n" + "\n".join(missing)
    untranslated = sorted(
        k for k in keys if table[k] == k and re.search(r"[A-Za-z]{3}", re.sub(r"\{\w*\}|kHz|GLM-TTS", "", k))
    )
    assert not untranslated, f"entries left in English: {untranslated}"


def test_translations_keep_the_placeholders():
    table = load_table("zh_CN")
    bad = sorted(k for k, v in table.items() if _placeholders(k) != _placeholders(v))
    assert not bad, f"placeholders differ between English and Chinese: {bad}"


def _error_class_names() -> set[str]:
    """Every subclass of GlmTtsError in the package, found statically (imports would miss
    classes in modules no test has imported yet)."""
    classes = [
        node
        for path in sorted(PACKAGE.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef)
    ]
    names = {"GlmTtsError"}
    while True:
        more = {
            c.name
            for c in classes
            if c.name not in names
            and any((b.id if isinstance(b, ast.Name) else getattr(b, "attr", "")) in names for b in c.bases)
        }
        if not more:
            return names
        names |= more


def test_core_errors_pass_their_messages_through_tr():
    """A core error built from a bare literal or f-string would stay English in the Chinese UI."""
    names = _error_class_names()
    bare = []
    for layer in ("engine", "audio", "models", "library", "studio", "commands", "gui"):
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                if (func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)) not in names:
                    continue
                texts = list(node.args[:1]) + [k.value for k in node.keywords if k.arg in {"hint", "message"}]
                for text in texts:
                    if isinstance(text, ast.JoinedStr | ast.BinOp) or (
                        isinstance(text, ast.Constant) and isinstance(text.value, str) and text.value
                    ):
                        rel = path.relative_to(PACKAGE).as_posix()
                        bare.append(f"{rel}:{node.lineno}: {ast.unparse(text)[:80]}")
    assert not bare, "wrap these in glmtts_desktop.i18n.tr():\n" + "\n".join(bare)


#: parameters whose value is put into a sentence's {what} / {action} placeholder
FRAGMENT_PARAMS = {"what", "action"}
#: functions that take such a fragment positionally: name -> argument index
FRAGMENT_POSITIONS = {
    "translate": 1,
    "storage_error": 1,
    "transaction": 1,
    "_set": 1,
    "_update": 1,
    "_content": 2,
}


def _english_literal(node: ast.expr | None) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.search(r"[A-Za-z]{3}", node.value) is not None
    )


def _bare_fragments(tree: ast.AST) -> Iterator[ast.expr]:
    """English literals that end up inside a translated sentence without being marked."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name == "add_argument":  # argparse's own action="store_true"
                continue
            for kw in node.keywords:
                if _english_literal(kw.value) and (name == "tr" or kw.arg in FRAGMENT_PARAMS):
                    yield kw.value
            index = FRAGMENT_POSITIONS.get(name or "")
            if index is not None and len(node.args) > index and _english_literal(node.args[index]):
                yield node.args[index]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            a = node.args
            positional = a.posonlyargs + a.args
            pairs = [
                *zip(positional[len(positional) - len(a.defaults) :], a.defaults),
                *zip(a.kwonlyargs, a.kw_defaults),
            ]
            for arg, default in pairs:
                if arg.arg in FRAGMENT_PARAMS and _english_literal(default):
                    yield default


def test_fragments_put_into_sentences_are_marked_and_translated():
    """``tr("Could not {action}.", action="rename the voice")`` stayed English inside the Chinese
    sentence: every fragment must be N_-marked (so the tests above check its entry) and the
    sentence's maker passes it through tr."""
    bare = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        for node in _bare_fragments(ast.parse(path.read_text(encoding="utf-8"))):
            bare.append(f"{rel}:{node.lineno}: {ast.unparse(node)}")
    assert not bare, "mark these fragments with N_():\n" + "\n".join(bare)


def test_a_fragment_is_chinese_inside_a_chinese_sentence(tmp_path):
    import sqlite3

    from glmtts_desktop.engine.frontend._audio_checks import as_mono_float32
    from glmtts_desktop.errors import GlmTtsError
    from glmtts_desktop.i18n import set_language
    from glmtts_desktop.library.db import translate
    from glmtts_desktop.library.files import atomic_write_bytes

    set_language("zh_CN")
    import numpy as np
    import pytest

    made = [translate(sqlite3.OperationalError("database is locked"), "rename the voice")]
    blocked = tmp_path / "a-file"
    blocked.write_text("x")
    with pytest.raises(GlmTtsError) as info:
        atomic_write_bytes(blocked / "inside", b"data")  # a file where a folder should be
    made.append(info.value)
    with pytest.raises(GlmTtsError) as info:
        as_mono_float32(np.zeros((2, 100), dtype=np.float32))
    made.append(info.value)
    for error in made:
        text = str(error.user_text())
        assert re.search(r"[\u4e00-\u9fff]", text), text
        assert not re.search(r"[A-Za-z]{3}", text.replace(str(tmp_path), "")), f"English left in: {text}"
