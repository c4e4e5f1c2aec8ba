"""The scale benchmark against a Chroma server: its arguments, its phases, what it records about the server.

The server tests start a real `chroma run` on a free port of 127.0.0.1."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest
from servers import free_port, running_server
from test_chroma_server import _chroma_command

from eval.bench_scale import build_parser, child_command, child_env, markdown, project, server_collection
from eval.benchmarks import DEFAULT_ROOT
from eval.chroma_server import listening_pid, process_memory_mb, server_facts, server_version


@pytest.fixture(scope="module")
def chroma(tmp_path_factory):
    """A Chroma server of this test: (url, data folder)."""
    folder = tmp_path_factory.mktemp("bench-chroma")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [_chroma_command(), "run", "--path", str(folder / "db"), "--host", "127.0.0.1", "--port", str(port)]
    with running_server(command, ready_url=f"{url}/api/v2/heartbeat", log=folder / "chroma.log", timeout_s=60) as proc:
        yield url, folder / "db", proc


# Arguments and the child process's command ---------------------------------------------------------------------

def test_phase_and_chroma_url_are_parsed(monkeypatch):
    monkeypatch.delenv("TANYA_CHROMA_URL", raising=False)
    args = build_parser().parse_args(["--sizes", "50"])
    assert (args.phase, args.chroma_url, args.chroma_path) == ("all", None, None)
    args = build_parser().parse_args(["--phase", "retrieval", "--chroma-url", "http://127.0.0.1:18800",
                                      "--chroma-path", "/srv/chroma"])
    assert (args.phase, args.chroma_url, args.chroma_path) == ("retrieval", "http://127.0.0.1:18800",
                                                               Path("/srv/chroma"))
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--phase", "answers"])


def test_chroma_url_defaults_to_the_setting_of_the_environment(monkeypatch):
    monkeypatch.setenv("TANYA_CHROMA_URL", "http://127.0.0.1:18801")
    assert build_parser().parse_args([]).chroma_url == "http://127.0.0.1:18801"


def test_the_child_gets_the_server_and_a_collection_per_size(tmp_path, monkeypatch):
    args = build_parser().parse_args(["--phase", "index", "--chroma-url", "http://127.0.0.1:18800",
                                      "--chroma-path", "/srv/chroma", "--answers", "0"])
    args.models_dir = tmp_path / "models"
    env = child_env(100_000, tmp_path / "size-100000", args)
    assert env["TANYA_CHROMA_URL"] == "http://127.0.0.1:18800"
    assert env["TANYA_COLLECTION"] == server_collection(100_000) == "scale-100000"
    assert env["TANYA_HOME"] == str(tmp_path / "size-100000" / "home")
    command = child_command(100_000, tmp_path / "size-100000", args, reuse=True)
    assert command[command.index("--phase") + 1] == "index" and command[command.index("--size") + 1] == "100000"
    assert command[command.index("--result") + 1].endswith("result-index.json")
    assert "--reuse" in command and command[command.index("--chroma-path") + 1] == "/srv/chroma"


def test_without_a_server_the_child_indexes_on_disk_even_if_the_shell_names_one(tmp_path, monkeypatch):
    monkeypatch.setenv("TANYA_CHROMA_URL", "http://127.0.0.1:18800")
    args = build_parser().parse_args(["--chroma-url", ""])
    args.models_dir = tmp_path / "models"
    env = child_env(50, tmp_path, args)
    assert "TANYA_CHROMA_URL" not in env and "TANYA_COLLECTION" not in env


# The table and the projection, for results of one phase ---------------------------------------------------------

def _index_result(chunks=100_000, reused=True):
    return {"phase": "index", "chunks": chunks, "sentences": 3 * chunks, "reused_embeddings": reused,
            "disk_mb": None, "vector_mb": 500.0, "keyword_index_s": 30.0,
            "rss_mb": {"models_loaded": 900, "after_ingestion": 2000},
            "ingest": {"chunks_per_s": 5.0, "embed_s": 100.0, "other_s": 1500.0, "cpu_s": 1400.0, "texts": 4 * chunks,
                       "texts_embedded": 20_000, "texts_reused": 280_000, "chunks_approximated": chunks},
            "store": {"kind": "chroma server", "server_version": "1.0.0", "server_rss_mb": 3000.0,
                      "server_peak_rss_mb": 3500.0, "server_disk_mb": 1900.0}}


def _retrieval_result(chunks=100_000):
    return {"phase": "retrieval", "chunks": chunks, "sentences": 3 * chunks, "reused_embeddings": True,
            "keyword_load_s": 0.05, "rss_mb": {"models_loaded": 900, "after_retrieval": 1300},
            "retrieval": {"queries": 40, "p50_ms": 170.0, "p95_ms": 210.0}, "load_avg": 0.4,
            "store": {"kind": "chroma server", "server_version": "1.0.0", "server_rss_mb": 3100.0,
                      "server_peak_rss_mb": 3200.0, "server_disk_mb": 1900.0}}


def test_the_table_shows_what_each_phase_measured_and_dashes_for_the_rest():
    results = [_index_result(), _retrieval_result()]
    project(results, earlier=[{**_index_result(10_000, reused=False), "reused_embeddings": False}])
    assert "projected_chunks_per_s" in results[0]["ingest"] and "ingest" not in results[1]
    table = markdown(results, "python -m eval.bench_scale --phase retrieval")
    built, timed = (line for line in table.splitlines() if line.startswith("| 100,000 |"))
    assert "| Chroma server 1.0.0 | index |" in built and "| 3000 / 3500 |" in built and "| 1900 |" in built
    assert "| - / - |" in built  # no retrieval in the index phase
    assert "| Chroma server 1.0.0 | retrieval | - | - |" in timed and "| 170 / 210 |" in timed
    assert "| 900 / - / 1300 |" in timed and "| 3100 / 3200 |" in timed
    assert "Not embedded in full" in table and "built earlier" in table
    json.dumps(results)


def test_a_result_of_an_embedded_index_still_reads_as_before():
    result = {**_index_result(300, reused=False), "phase": "all", "disk_mb": 8.5,
              "retrieval": {"p50_ms": 82.0, "p95_ms": 176.0}, "keyword_load_s": 0.01}
    result["rss_mb"]["after_retrieval"] = 1271
    del result["store"]
    row = next(line for line in markdown([result], "cmd").splitlines() if line.startswith("| 300 |"))
    assert "| embedded | all | 5.0 |" in row and "| 82 / 176 |" in row and "| - / - |" in row


# What is recorded about the server ------------------------------------------------------------------------------

def test_the_process_listening_on_a_port_is_found_with_its_memory():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        assert listening_pid(listener.getsockname()[1]) == os.getpid()
    memory = process_memory_mb(os.getpid())
    assert memory is not None and 0 < memory["rss_mb"] <= memory["peak_rss_mb"]


def test_nothing_listening_gives_no_pid_no_version_and_no_memory():
    port = free_port()
    assert listening_pid(port) is None
    assert server_version(f"http://127.0.0.1:{port}", timeout_s=2) is None
    facts = server_facts(f"http://127.0.0.1:{port}")
    assert facts["server_pid"] is None and facts["server_rss_mb"] is None and facts["server_version"] is None


def test_a_real_chroma_server_reports_its_version_process_and_memory(chroma):
    url, _, proc = chroma
    facts = server_facts(url)
    assert facts["server_version"] and facts["server_version"][0].isdigit()
    assert facts["server_pid"] == proc.pid
    assert 10 < facts["server_rss_mb"] <= facts["server_peak_rss_mb"]


def test_timing_retrieval_alone_refuses_a_collection_that_does_not_hold_the_size(chroma, tmp_path, monkeypatch):
    from eval.bench_scale import built_chunks
    from index import IndexDirectoryError
    from rag import load_settings

    url, _, _ = chroma
    monkeypatch.setenv("TANYA_CHROMA_URL", url)
    monkeypatch.setenv("TANYA_COLLECTION", server_collection(50))
    settings = load_settings(home=tmp_path / "home")
    with pytest.raises(IndexDirectoryError, match=r"holds 0 chunks, not 50: build it first with .*--phase index"):
        built_chunks(settings, 50)


def test_timing_retrieval_alone_refuses_a_missing_index_on_disk(tmp_path):
    from eval.bench_scale import built_chunks
    from index import IndexDirectoryError
    from rag import load_settings

    with pytest.raises(IndexDirectoryError, match=r"No index of 50 chunks at .*--phase index"):
        built_chunks(load_settings(home=tmp_path / "home"), 50)


# Both phases, for real (the embedding model on this machine; no language model: --answers 0) --------------------

@pytest.mark.slow
@pytest.mark.skipif(not (DEFAULT_ROOT / "facqa" / "test.csv").is_file(), reason=f"no benchmarks in {DEFAULT_ROOT}")
def test_build_once_then_time_retrieval_alone_against_the_server(chroma, tmp_path):
    import chromadb

    from eval.bench_scale import main

    url, db, proc = chroma
    common = ["--sizes", "50", "--questions", "4", "--answers", "0", "--chroma-url", url, "--chroma-path", str(db),
              "--work", str(tmp_path / "work")]
    assert main(["--phase", "index", "--out", str(tmp_path / "built"), *common]) == 0
    built = json.loads((tmp_path / "built" / "scale.json").read_text(encoding="utf-8"))["results"][0]
    assert built["phase"] == "index" and built["chunks"] == 50 and "retrieval" not in built
    assert built["store"]["kind"] == "chroma server" and built["store"]["server_pid"] == proc.pid
    assert built["store"]["server_disk_mb"] > 0 and built["disk_mb"] is None  # nothing indexed on this machine
    port = int(url.rsplit(":", 1)[1])
    client = chromadb.HttpClient(host="127.0.0.1", port=port)
    assert client.get_collection("scale-50").count() == 50

    assert main(["--phase", "retrieval", "--out", str(tmp_path / "timed"), *common]) == 0
    timed = json.loads((tmp_path / "timed" / "scale.json").read_text(encoding="utf-8"))["results"][0]
    assert timed["phase"] == "retrieval" and "ingest" not in timed
    assert timed["chunks"] == 50 and timed["sentences"] == built["sentences"]
    assert timed["retrieval"]["queries"] == 4 and 0 < timed["retrieval"]["p50_ms"] <= timed["retrieval"]["p95_ms"]
    assert timed["reused_embeddings"] is False and timed["built"].endswith("result-index.json")
    assert client.get_collection("scale-50").count() == 50  # timing wrote nothing

    with pytest.raises(subprocess.CalledProcessError):  # 60 chunks were never built
        main(["--phase", "retrieval", "--out", str(tmp_path / "wrong"), *[a if a != "50" else "60" for a in common]])
