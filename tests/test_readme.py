"""The README's map of the code names every module, and only modules that exist."""

from __future__ import annotations

import re


def _map(project_root) -> str:
    text = (project_root / "README.md").read_text()
    start = text.index("## Map of the code")
    return text[start:text.index("```", text.index("```", start) + 3)]


def test_code_map_names_every_module(project_root):
    named = set(re.findall(r"\b(\w[\w.]*\.py)\b", _map(project_root)))
    modules = {p.name for p in (project_root / "callcenter").rglob("*.py")
               if p.name != "__init__.py"}
    assert modules - named == set(), "modules missing from the README's map of the code"


def test_code_map_names_nothing_that_is_gone(project_root):
    named = set(re.findall(r"\b(\w[\w.]*\.py)\b", _map(project_root)))
    existing = {p.name for p in project_root.rglob("*.py") if ".venv" not in p.parts}
    assert named - existing == set(), "the README's map names files that do not exist"
