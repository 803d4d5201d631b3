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
    "gui/panels/result_panel.py: label": "literals at the call sites",
    "gui/panels/reference_playback.py: tip": "literals in the button table",
    "gui/panels/text_panel.py: key": "literals at the call sites",
    "gui/history_search.py: label": "N_-marked period labels",
    "gui/voices/archive_actions.py: MSG_EXPORT_INTRO": "a literal constant in the module",
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
