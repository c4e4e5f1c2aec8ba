import hashlib
import sys
import types

import pytest

from rag.errors import ModelError
from rag.model_files import BuiltinGGUF, assemble_gguf, resolve_gguf


def _fake_parts(tmp_path, monkeypatch, chunks):
    names = []
    for i, data in enumerate(chunks):
        path = tmp_path / f"part{i}.bin"
        path.write_bytes(data)
        name = f"fake_model_part{i}"
        module = types.ModuleType(name)
        module.get_part_path = lambda p=path: str(p)
        monkeypatch.setitem(sys.modules, name, module)
        names.append(name)
    return tuple(names)


def test_assemble_concatenates_in_order_and_checks_sha(tmp_path, monkeypatch):
    chunks = [b"GGUF" + b"a" * 10, b"b" * 7, b"c" * 3]
    whole = b"".join(chunks)
    spec = BuiltinGGUF("fake", "fake.gguf", _fake_parts(tmp_path, monkeypatch, chunks),
                       hashlib.sha256(whole).hexdigest(), len(whole), "test")
    out = assemble_gguf(spec, tmp_path / "models", progress=False)
    assert out.read_bytes() == whole
    mtime = out.stat().st_mtime_ns
    assert assemble_gguf(spec, tmp_path / "models", progress=False).stat().st_mtime_ns == mtime  # not redone


def test_corrupt_parts_are_refused_and_leave_nothing(tmp_path, monkeypatch):
    spec = BuiltinGGUF("fake", "fake.gguf", _fake_parts(tmp_path, monkeypatch, [b"GGUFxx"]), "0" * 64, None, "t")
    with pytest.raises(ModelError, match="sha256"):
        assemble_gguf(spec, tmp_path / "models", progress=False)
    assert not any((tmp_path / "models").iterdir())


def test_missing_part_package_says_how_to_fix(tmp_path):
    spec = BuiltinGGUF("fake", "fake.gguf", ("no_such_part_module_xyz",), None, None, "t")
    with pytest.raises(ModelError, match="no-such-part-module-xyz.*scripts/setup.sh"):
        assemble_gguf(spec, tmp_path, progress=False)


def test_resolve_gguf_rejects_unknown_names_and_non_gguf_files(tmp_path):
    with pytest.raises(ModelError, match="TANYA_LLM"):
        resolve_gguf("gpt-17", tmp_path)
    bogus = tmp_path / "x.gguf"
    bogus.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="not a GGUF"):
        resolve_gguf(str(bogus), tmp_path)


def test_smollm2_is_found_without_importing_its_package(tmp_path):
    path = resolve_gguf("smollm2-135m", tmp_path)
    assert path.is_file() and path.read_bytes()[:4] == b"GGUF"


def test_the_cost_of_a_model_is_read_from_its_parts_then_from_its_file(tmp_path, monkeypatch):
    from rag import model_files
    from rag.model_files import model_cost

    chunks = [b"GGUF" + b"a" * 996, b"b" * 500]
    whole = b"".join(chunks)
    spec = BuiltinGGUF("fake", "fake.gguf", _fake_parts(tmp_path, monkeypatch, chunks),
                       hashlib.sha256(whole).hexdigest(), None, "test")
    monkeypatch.setitem(model_files.BUILTIN_LLMS, "fake", spec)
    models = tmp_path / "models"
    before = model_cost("fake", models)
    assert (before.size, before.to_write, before.path) == (1500, 1500, models / "fake.gguf")  # to be assembled
    assemble_gguf(spec, models, progress=False)
    after = model_cost("fake", models)
    assert (after.size, after.to_write) == (1500, 0)  # on disk already: memory only
    assert model_cost("gpt-17", models) is None  # not a built-in model: nothing to say
    missing = BuiltinGGUF("gone", "gone.gguf", ("no_such_part_module_xyz",), None, None, "t")
    monkeypatch.setitem(model_files.BUILTIN_LLMS, "gone", missing)
    assert model_cost("gone", models).size is None  # its packages are not installed
