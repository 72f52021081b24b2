"""The typed contracts between layers: the registry (task catalogue, meters) and the shapes that cross layers."""

from __future__ import annotations

import pytest

from wattprint.contracts.registry import Registry, normalize_name
from wattprint.errors import WattprintError


def test_normalize_name_is_the_one_spelling_rule():
    assert normalize_name("  Text_Classification ") == "text-classification"
    assert normalize_name("text classification") == "text-classification"
    assert normalize_name("zero-shot_qa") == "zero-shot-qa"


def test_registry_names_aliases_and_close_matches():
    reg: Registry[object] = Registry("widget", hint="see: widgets")
    a, b = object(), object()
    reg.register("round-widget", a, aliases=("rw", "Round_Thing"))
    reg.register("square-widget", b)
    assert reg.names() == ["round-widget", "square-widget"] == list(reg)
    assert reg.get("RW") is a and reg.get("round thing") is a and reg.get("square_widget") is b
    assert "rw" in reg and "nope" not in reg and len(reg) == 2
    assert reg.canonical_or_none("nope") is None
    with pytest.raises(WattprintError, match="unknown widget 'round-widgt'") as ei:
        reg.get("round-widgt")
    assert "round-widget" in ei.value.hint
    with pytest.raises(WattprintError) as ei:
        reg.get("zzzz")
    assert ei.value.hint == "see: widgets"


def test_registry_refuses_a_name_taken_by_another_object():
    reg: Registry[object] = Registry("widget")
    a = object()
    reg.register("w", a, aliases=("x",))
    reg.register("w", a, aliases=("x",))  # the same object again is fine (a module imported twice)
    with pytest.raises(ValueError, match="registered twice"):
        reg.register("w", object())
    with pytest.raises(ValueError, match="registered twice"):
        reg.register("other", object(), aliases=("X",))


def test_registry_fills_lazily_from_loaders_and_entry_points(monkeypatch):
    calls: list[str] = []

    class Plugin:
        name = "plugin-widget"
        aliases = ("pw",)

    class EP:
        name, value = "mine", "my_pkg:Plugin"

        def load(self):
            calls.append("ep")
            return Plugin

    import importlib.metadata as md

    monkeypatch.setattr(md, "entry_points", lambda group: [EP()] if group == "wattprint.widgets" else [])
    reg: Registry[object] = Registry("widget", loaders=[lambda: calls.append("loader")],
                                     entry_point_group="wattprint.widgets")
    assert calls == []  # nothing runs before the first lookup
    assert reg.get("pw") is Plugin
    assert calls == ["loader", "ep"]
    reg.names()
    assert calls == ["loader", "ep"]  # once


def test_broken_plugin_is_a_one_line_error(monkeypatch):
    class EP:
        name, value = "broken", "no_such_module:thing"

        def load(self):
            raise ModuleNotFoundError("No module named 'no_such_module'")

    import importlib.metadata as md

    monkeypatch.setattr(md, "entry_points", lambda group: [EP()])
    reg: Registry[object] = Registry("widget", entry_point_group="wattprint.widgets")
    with pytest.raises(WattprintError, match="cannot load widget plugin 'broken'"):
        reg.names()


def test_task_catalogue_gives_classes_without_instantiating(monkeypatch):
    from wattprint.workloads.base import TASKS, Task, task_class

    built: list[type] = []
    monkeypatch.setattr(Task, "__init__", lambda self, options=None: built.append(type(self)))
    cls = task_class("text_classif")
    assert cls.name == "text-classification" and issubclass(cls, Task)
    assert TASKS.get("ner").name == "token-classification"
    assert built == []
    assert "fill-mask" in TASKS.names() and TASKS.canonical("Masked_LM") == "fill-mask"


def test_study_task_names_come_from_the_study_prefixes():
    from wattprint.results.importers.names import PREFIXES, STUDY_TASKS
    from wattprint.workloads.base import task_names

    assert set(STUDY_TASKS) == set(PREFIXES.values())
    assert set(STUDY_TASKS) <= set(task_names())


def test_inputs_and_model_description_refuse_unknown_sources():
    from wattprint.contracts.inputs import Inputs
    from wattprint.contracts.models import ModelDescription

    got = Inputs(items=["a", "b", "a"], distinct=2, source="local")
    assert got.cycled and not Inputs(items=["a"], distinct=1, source="hub").cycled
    with pytest.raises(ValueError, match="unknown dataset source 'ftp'"):
        Inputs(items=["a"], distinct=1, source="ftp")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="distinct rows 3"):
        Inputs(items=["a"], distinct=3, source="hub")
    with pytest.raises(ValueError, match="unknown model source 'cloud'"):  # never silently "hub"
        ModelDescription(name="m", source="cloud", random_weights=False, parameters=1,  # type: ignore[arg-type]
                         architecture=None, dtype="float32", device="cpu")


def test_a_registered_item_kind_reads_synthetic_tables_and_folders(tmp_path):
    from wattprint.workloads.base import DatasetSpec
    from wattprint.workloads.datasets import KINDS, ItemKind, load_inputs, register_kind

    kind = ItemKind(name="blob-test", candidates=("blob", "path"), folder_extensions=(".blob",),
                    convert=lambda v, base, name: (base / v).read_text(),
                    synthetic=lambda seed, i: f"blob {seed}-{i}")
    register_kind(kind)
    try:
        assert load_inputs(DatasetSpec(seed=2), 2, "blob-test").items == ["blob 2-0", "blob 2-1"]
        (tmp_path / "b").mkdir()
        (tmp_path / "b" / "x.blob").write_text("X")
        (tmp_path / "b" / "skip.txt").write_text("no")
        got = load_inputs(DatasetSpec(str(tmp_path / "b")), 3, "blob-test")
        assert got.items == ["X", "X", "X"] and got.distinct == 1 and got.source == "local"
        with pytest.raises(ValueError, match="registered twice"):
            register_kind(ItemKind(name="image", candidates=(), convert=str, synthetic=str))  # type: ignore[arg-type]
    finally:
        KINDS.pop("blob-test", None)


@pytest.mark.parametrize(("text", "kind", "index"),
                         [("cpu", "cpu", None), (" CUDA:1 ", "cuda", 1), ("cuda", "cuda", None), ("mps", "mps", None)])
def test_parse_device(text, kind, index):
    from wattprint.contracts.devices import parse_device

    dev = parse_device(text)
    assert (dev.type, dev.index) == (kind, index)
    assert str(dev) == text.strip().lower()


@pytest.mark.parametrize("text", ["cuda:x", "gpu", "cpu:1", "cuda:", "", "cuda:0:1"])
def test_malformed_devices_are_one_line_errors(text):
    from wattprint.contracts.devices import parse_device

    with pytest.raises(WattprintError, match="unknown device") as ei:
        parse_device(text)
    assert ei.value.hint == "use cpu, cuda, cuda:N or mps"


def test_bench_reports_a_malformed_device_as_a_failed_run_not_a_crash():
    from fakes_bench import LedgerMeter
    from wattprint.bench.runner import execute
    from wattprint.results.schema import RunConfig

    r = execute(RunConfig(task="fake-task", model="arch:fake-tiny", n=2, repeats=1, warmup=0, idle_s=0.0,
                          device="cuda:x"), meterset=LedgerMeter())
    assert r.status == "failed" and r.error == "unknown device 'cuda:x'" and r.phase == "setup"
    assert r.failure.hint == "use cpu, cuda, cuda:N or mps" and r.failure.error_type == "WattprintError"


def test_meter_unavailable_errors_share_one_base_and_amd_is_not_nvml():
    from wattprint.energy.amd import AmdSmiUnavailable
    from wattprint.energy.meter import MeterUnavailable
    from wattprint.energy.nvml import NvmlUnavailable
    from wattprint.energy.rapl import RaplUnavailable

    assert all(issubclass(c, MeterUnavailable) for c in (AmdSmiUnavailable, NvmlUnavailable, RaplUnavailable))
    assert not issubclass(AmdSmiUnavailable, NvmlUnavailable)
    exc = AmdSmiUnavailable("no AMD GPU", "install amdsmi", reason="absent")
    assert (exc.reason, exc.fix, exc.hint) == ("absent", "install amdsmi", "install amdsmi")


def test_a_registered_kind_prepares_a_hub_dataset_before_its_rows_are_read(monkeypatch):
    datasets = pytest.importorskip("datasets")
    from wattprint.workloads.base import DatasetSpec
    from wattprint.workloads.datasets import KINDS, ItemKind, load_inputs, register_kind

    seen: list[str] = []

    def prepare(ds):
        seen.append(type(ds).__name__)
        return ds.map(lambda row: {"blob": row["blob"].upper()})

    hub = datasets.DatasetDict({"test": datasets.Dataset.from_dict({"blob": ["a", "b"], "other": [1, 2]})})
    monkeypatch.setattr(datasets, "load_dataset", lambda name, config, split=None: hub)
    register_kind(ItemKind(name="blob-hub", candidates=("blob",), convert=lambda v, base, name: v,
                           synthetic=lambda seed, i: "", prepare_hub=prepare))
    try:
        got = load_inputs(DatasetSpec("someone/blobs"), 3, "blob-hub")
        assert got.source == "hub" and got.items == ["A", "B", "A"] and got.distinct == 2
        assert seen == ["Dataset"]  # the chosen split, prepared once
    finally:
        KINDS.pop("blob-hub", None)


def test_meters_registry_opens_builtins_without_scanning_plugins_and_opens_plugins(monkeypatch, tmp_path):
    import importlib.metadata as md

    from wattprint.energy import registry
    from wattprint.energy.meter import Meter
    from wattprint.energy.types import Method, Provenance
    from wattprint.errors import WattprintError

    def no_scan(group):
        raise AssertionError("a built-in meter must open without reading entry points")

    fresh = registry.Registry("meter", entry_point_group="wattprint.meters")
    for name, opener in zip(registry.METER_NAMES, (registry.METERS.get(n) for n in registry.METER_NAMES),
                            strict=True):
        fresh.register(name, opener)
    monkeypatch.setattr(registry, "METERS", fresh)
    monkeypatch.setattr(md, "entry_points", no_scan)
    m = registry.open_meter("estimate")
    assert m.name == "estimate"
    m.close()

    class PlugMeter(Meter):
        name = "plug"

        def components(self):
            return ["widget"]

        def provenance(self, component):
            return Provenance(source="plug", method=Method.COUNTER, uncertainty_low=-0.01, uncertainty_high=0.01)

        def read(self):
            return {"widget": 1.0}

    class EP:
        name, value = "plug", "plug_pkg:PlugMeter"

        def load(self):
            return PlugMeter

    monkeypatch.setattr(md, "entry_points", lambda group: [EP()] if group == "wattprint.meters" else [])
    plug = registry.open_meter("plug")
    assert isinstance(plug, PlugMeter) and plug.describe().measured
    assert registry.meter_names() == ["rapl", "nvml", "amdsmi", "estimate", "plug"]
    with pytest.raises(WattprintError, match="unknown meter 'nope'") as ei:
        registry.open_meters(["nope"])
    assert ei.value.hint == "valid meters: rapl, nvml, amdsmi, estimate, plug"
