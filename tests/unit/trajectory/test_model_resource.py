"""Model lifecycle: load/unload, offline resolution, typed load errors, metrics, one load per process."""

from __future__ import annotations

import logging
import threading

import pytest
import torch

from cert_core.errors import ResourceLoadError
from cert_core.observability import METRICS
from cert_core.resources import release_process_resources
from cert_core.trajectory import ModelResource, model_resource
from cert_core.trajectory.model_resource import TRAJECTORY_MODEL_SETTING, choose_device

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device; this machine has none")


def _loads(model: str) -> float:
    return METRICS.registry.get_sample_value("cert_model_load_duration_seconds_count", {"model_name": model}) or 0.0


def test_unknown_model_names_the_model_and_where_it_looked(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    with pytest.raises(ResourceLoadError) as info:
        ModelResource("no-such-org/no-such-model").load()
    message = info.value.message
    assert "'no-such-org/no-such-model' not found" in message
    assert str(tmp_path / "hub") in message and "HF_HUB_OFFLINE=1" in message
    assert "trajectory.model in configs/fusion/trajectory.yaml" in message  # the setting to change
    assert info.value.context["looked_in"][-1] == str(tmp_path / "hub")


def test_a_directory_without_config_json_is_a_load_error(tmp_path):
    with pytest.raises(ResourceLoadError, match="has no config.json"):
        ModelResource(str(tmp_path)).load()


def test_corrupt_weights_are_a_load_error_from_the_library_error(tmp_path, tiny_model_dir):
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        (tmp_path / name).write_bytes((tiny_model_dir / name).read_bytes())
    (tmp_path / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ResourceLoadError, match="could not be loaded") as info:
        ModelResource(str(tmp_path), device="cpu").load()
    assert info.value.__cause__ is not None


def test_context_manager_loads_records_metrics_and_unloads(tiny_model_dir):
    model = str(tiny_model_dir)
    before = _loads(model)
    with ModelResource(model, device="cpu") as resource:
        assert resource.is_loaded and resource.device.type == "cpu"
        assert resource.load_time_s > 0 and resource.memory_bytes > 100_000
        assert METRICS.registry.get_sample_value(
            "cert_model_memory_bytes", {"model_name": model, "device": "cpu"}) == resource.memory_bytes
        assert resource.max_context == 256
    assert not resource.is_loaded
    assert _loads(model) - before == 1


def test_8bit_on_cpu_falls_back_to_full_precision_with_a_log_line(tiny_model_dir, caplog):
    with caplog.at_level(logging.INFO, logger="cert.llm.model_loader"):
        with ModelResource(str(tiny_model_dir), device="cpu", load_in_8bit=True) as resource:
            assert resource.quantized is False
            assert next(resource._model.parameters()).dtype == torch.float32
    assert any("8-bit loading needs CUDA" in r.getMessage() for r in caplog.records)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the behaviour of a machine without CUDA")
def test_without_cuda_auto_is_cpu_and_explicit_cuda_is_a_load_error():
    assert choose_device("auto").type == "cpu"
    with pytest.raises(ResourceLoadError, match="CUDA is not available"):
        choose_device("cuda")


def test_model_resource_loads_once_per_process_however_many_threads_ask(tiny_model_dir):
    model = str(tiny_model_dir)
    release_process_resources("model")
    before = _loads(model)
    got: list[ModelResource] = []
    threads = [threading.Thread(target=lambda: got.append(model_resource(model, "cpu", False))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(r) for r in got}) == 1 and got[0].is_loaded
    assert _loads(model) - before == 1
    release_process_resources("model")
    assert not got[0].is_loaded


@pytest.mark.gpu
@needs_cuda
def test_cuda_load_and_scoring_match_cpu(tiny_model_dir, sample_chains):
    from cert_core.trajectory import ChainScorer

    with ModelResource(str(tiny_model_dir), device="cuda") as gpu, ModelResource(str(tiny_model_dir), "cpu") as cpu:
        assert gpu.device.type == "cuda" and gpu.memory_bytes > 0
        a = ChainScorer(gpu, batch_size=8).score(sample_chains[:8])
        b = ChainScorer(cpu, batch_size=8).score(sample_chains[:8])
    for x, y in zip(a, b):
        assert [s.mean_nll for s in x.steps] == pytest.approx([s.mean_nll for s in y.steps], abs=1e-3)


@pytest.mark.gpu
@needs_cuda
def test_8bit_loads_quantized_on_cuda(tiny_model_dir, sample_chains):
    from cert_core.trajectory import ChainScorer

    with ModelResource(str(tiny_model_dir), device="cuda", load_in_8bit=True) as resource:
        assert resource.quantized is True
        results = ChainScorer(resource, batch_size=4).score(sample_chains[:4])
        assert all(len(r.steps) > 0 for r in results)


def test_a_relative_model_path_also_resolves_from_the_project_root(tmp_path, monkeypatch, tiny_model_dir):
    from cert_core.trajectory.model_resource import resolve_model_source

    monkeypatch.chdir(tmp_path)  # somewhere the relative path does not exist
    assert resolve_model_source("data/models/tiny-reasoner", TRAJECTORY_MODEL_SETTING) == str(tiny_model_dir.resolve())


def test_the_forward_skips_the_kv_cache_and_works_for_a_model_without_that_argument():
    from cert_core.trajectory.model_resource import _call

    seen = []

    def with_cache(input_ids, attention_mask, use_cache=True):
        seen.append(use_cache)
        return "out"

    def without(input_ids, attention_mask):
        seen.append("plain")
        return "out"

    def broken(input_ids, attention_mask, use_cache=True):
        raise TypeError("expected a LongTensor")

    ids = torch.ones(1, 3, dtype=torch.long)
    assert _call(with_cache, ids, ids) == "out" and _call(without, ids, ids) == "out"
    assert seen == [False, "plain"]
    with pytest.raises(TypeError, match="LongTensor"):  # another TypeError is not swallowed
        _call(broken, ids, ids)
