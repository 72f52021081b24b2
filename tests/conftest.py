"""Shared fixtures: an isolated wattprint cache for the whole session, and a local Ray cluster (sweep tests).

Under ``CI=true`` nothing skips silently: a skipped test is reported as failed, unless it carries
``@pytest.mark.ci_may_skip("why CI cannot meet it")`` (e.g. a test of the no-GPU path on a GPU machine).
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest


def _on_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true a skip is a failure, except for tests marked ``ci_may_skip`` with a reason."""
    outcome = yield
    rep = outcome.get_result()
    if not (_on_ci() and rep.skipped) or hasattr(rep, "wasxfail") or item.get_closest_marker("ci_may_skip"):
        return
    reason = rep.longrepr[2] if isinstance(rep.longrepr, tuple) and len(rep.longrepr) == 3 else str(rep.longrepr)
    rep.outcome = "failed"
    rep.longrepr = _CI_SKIP.format(reason=reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """A whole module skipped at import (``pytest.importorskip`` at the top) fails under CI=true too."""
    outcome = yield
    rep = outcome.get_result()
    if _on_ci() and rep.skipped:
        reason = rep.longrepr[2] if isinstance(rep.longrepr, tuple) and len(rep.longrepr) == 3 else str(rep.longrepr)
        rep.outcome = "failed"
        rep.longrepr = _CI_SKIP.format(reason=reason)


_CI_SKIP = ("skipped under CI=true ({reason}): CI must run every test; install what it needs "
            "(bash install.sh --test), or mark it @pytest.mark.ci_may_skip(reason) if CI can never meet it")


@pytest.fixture(scope="session", autouse=True)
def _isolated_wattprint_cache(tmp_path_factory):
    """Tests (and the worker subprocesses they start, which inherit it) never write to ~/.cache/wattprint."""
    old = os.environ.get("WATTPRINT_CACHE")
    os.environ["WATTPRINT_CACHE"] = str(tmp_path_factory.mktemp("wattprint-cache"))
    yield
    if old is None:
        os.environ.pop("WATTPRINT_CACHE", None)
    else:
        os.environ["WATTPRINT_CACHE"] = old


@pytest.fixture()
def fake_worker_cwd(tmp_path, monkeypatch):
    """``tmp_path`` as the working folder, no ``WATTPRINT_DB``, and worker subprocesses (and this process)
    that know the fake tasks of ``fakes_bench``."""
    from fakes_bench import worker_env

    env = worker_env()
    monkeypatch.setenv("PYTHONPATH", env["PYTHONPATH"])
    monkeypatch.setenv("WATTPRINT_WORKER_IMPORTS", env["WATTPRINT_WORKER_IMPORTS"])
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WATTPRINT_DB", raising=False)
    return tmp_path


#: no token file in ~/.ray, no usage report, nothing outside the temp dir
_RAY_ENV = {"RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"}


@pytest.fixture(scope="session")
def ray_local():
    """Ray on loopback with 2 CPUs and the ``wattprint_node_lock`` resource; shut down and removed after."""
    ray = pytest.importorskip("ray")
    tmp = tempfile.mkdtemp(prefix="wpray-", dir="/tmp")  # short: Ray's socket paths must stay < 108 chars
    saved = {k: os.environ.get(k) for k in _RAY_ENV}
    os.environ.update(_RAY_ENV)
    try:
        ray.init(address="local", num_cpus=2, num_gpus=0, include_dashboard=False, _temp_dir=tmp,
                 _node_ip_address="127.0.0.1", resources={"wattprint_node_lock": 1}, log_to_driver=False)
        yield ray
    finally:
        ray.shutdown()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        shutil.rmtree(tmp, ignore_errors=True)
