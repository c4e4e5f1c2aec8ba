"""pyproject.toml declares what the code imports, and nothing it does not.

- Every third-party module that the product (its packages: tanya/, eval/, ui/, rag/, index/) imports comes from a
  distribution in ``[project].dependencies``; every one that tests/ and scripts/ import comes from
  those or from the ``dev`` extra.
- Every runtime dependency is imported by the product, or is in NOT_IMPORTED with the reason.
- pyproject.toml's pins are requirements.lock's (runtime) and requirements-dev.lock's (dev).

eval/runs/ (recorded evaluation runs, not product code) is not scanned.
"""

from __future__ import annotations

import ast
import importlib.metadata as md
import re
import sys
import tomllib
from functools import cache
from pathlib import Path

from rag.model_files import BUILTIN_LLMS

ROOT = Path(__file__).resolve().parent.parent
#: The product's packages, as pyproject.toml installs them.
PRODUCT = tuple(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
FIRST_PARTY = set(PRODUCT) | {p.stem for p in (ROOT / "tests").glob("*.py")}  # tests' own helpers too

#: Runtime dependencies that no `import` statement names, and why they are declared anyway.
NOT_IMPORTED = {
    # trafilatura's justext needs it with lxml 6 (lxml.html.clean moved out), but no package requires it.
    "lxml-html-clean": "needed by trafilatura with lxml 6",
}

#: Modules the product imports by name at run time (importlib.import_module): the built-in language
#: models' weight parts (rag/model_files.py).
DYNAMIC_IMPORTS = {m for spec in BUILTIN_LLMS.values() for m in spec.part_modules}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(requirements: list[str]) -> dict[str, str]:
    """{normalized name: pinned version} of requirement strings such as "llama-cpp-python[server]==0.3.36"."""
    pins = {}
    for req in requirements:
        match = re.fullmatch(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?:==\s*([^\s;#]+))?.*", req)
        assert match, req
        pins[_norm(match[1])] = match[2]
    return pins


def _lock(path: Path) -> dict[str, str]:
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    return _pins([ln for ln in lines if ln and not ln.startswith("#")])


@cache
def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _runtime() -> dict[str, str]:
    return _pins(_project()["dependencies"])


def _dev() -> dict[str, str]:
    return _pins(_project()["optional-dependencies"]["dev"])


def _imports(*folders: str) -> dict[str, set[str]]:
    """{imported dotted name: files} of absolute imports under ``folders``; ``from a.b import c`` gives
    a.b.c (a submodule, or a name in a.b: which one is resolved later)."""
    found: dict[str, set[str]] = {}
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith("eval/runs/"):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), rel)):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [f"{node.module}.{a.name}" for a in node.names if a.name != "*"] or [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in FIRST_PARTY and top != "__future__":
                        found.setdefault(name, set()).add(rel)
    return found


@cache
def _top_level_providers() -> dict[str, list[str]]:
    return md.packages_distributions()


@cache
def _modules_of(dist_name: str) -> frozenset[str]:
    """Dotted names of the modules and packages a distribution installs."""
    modules = set()
    for file in md.distribution(dist_name).files or []:
        parts = list(file.parts)
        if not parts or not re.search(r"\.(py|so|pyd)$", parts[-1]):
            continue
        parts[-1] = parts[-1].split(".")[0]
        if parts[-1] == "__init__":
            parts.pop()
        if parts:
            modules.add(".".join(parts))
    return frozenset(modules)


def _providers(name: str) -> set[str]:
    """The installed distributions that provide the imported dotted ``name`` (normalized names). For a
    namespace package such as llama_index, only those that install the longest matching sub-package."""
    candidates = _top_level_providers().get(name.split(".")[0], [])
    if len(candidates) > 1:
        parts = name.split(".")
        for n in range(len(parts), 0, -1):
            prefix = ".".join(parts[:n])
            narrowed = [d for d in candidates if prefix in _modules_of(d)]
            if narrowed:
                candidates = narrowed
                break
    return {_norm(d) for d in candidates}


def _undeclared(imports: dict[str, set[str]], declared: set[str]) -> list[str]:
    """"module (from distribution; in files)" for each imported module that no declared distribution provides."""
    missing: dict[tuple[str, str], set[str]] = {}
    for name, files in imports.items():
        providers = _providers(name)
        if not providers & declared:
            key = (name.split(".")[0], ", ".join(sorted(providers)) or "no installed package")
            missing.setdefault(key, set()).update(files)
    return [f"{top} (from {providers}; in {', '.join(sorted(files)[:3])}{' ...' if len(files) > 3 else ''})"
            for (top, providers), files in sorted(missing.items())]


def test_every_third_party_module_the_product_imports_is_a_declared_dependency():
    problems = _undeclared(_imports(*PRODUCT), set(_runtime()))
    assert not problems, ("imported by the product but not in pyproject.toml [project].dependencies:\n  "
                          + "\n  ".join(problems))


def test_every_third_party_module_the_tests_import_is_a_runtime_or_dev_dependency():
    problems = _undeclared(_imports("tests", "scripts"), set(_runtime()) | set(_dev()))
    assert not problems, ("imported by tests/ or scripts/ but in neither [project].dependencies nor the "
                          "dev extra:\n  " + "\n  ".join(problems))


def test_every_runtime_dependency_is_imported_by_the_product_or_says_why_not():
    used = set()
    for name in [*_imports(*PRODUCT), *DYNAMIC_IMPORTS]:
        used |= _providers(name)
    unused = sorted(set(_runtime()) - used - set(NOT_IMPORTED))
    assert not unused, ("in [project].dependencies but imported by no product module (rag/, index/, ui/, "
                        f"eval/): {unused}. Remove them, move test-only ones to the dev extra, or add "
                        "them to NOT_IMPORTED with the reason.")
    stale = sorted(set(NOT_IMPORTED) & used)
    assert not stale, f"NOT_IMPORTED lists packages the product does import: {stale}"
    assert set(NOT_IMPORTED) <= set(_runtime()), "NOT_IMPORTED lists packages that are not declared"


def test_pyproject_pins_are_the_lock_files_pins():
    runtime_lock, dev_lock = _lock(ROOT / "requirements.lock"), _lock(ROOT / "requirements-dev.lock")
    # torch is installed first and separately, as its CPU build (scripts/setup.sh).
    mismatched = {name: (pin, runtime_lock.get(name)) for name, pin in _runtime().items()
                  if name != "torch" and runtime_lock.get(name) != pin}
    assert not mismatched, f"[project].dependencies pin vs requirements.lock: {mismatched}"
    mismatched = {name: (pin, dev_lock.get(name)) for name, pin in _dev().items() if dev_lock.get(name) != pin}
    assert not mismatched, f"the dev extra's pin vs requirements-dev.lock: {mismatched}"
    assert not set(_dev()) & set(runtime_lock), "a dev-only package is in the runtime lock"
