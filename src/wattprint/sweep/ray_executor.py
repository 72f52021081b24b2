"""The Ray executor: runs fan out over a Ray cluster; results stream back to the driver.

Isolation (what may run beside a measured run on the same node):

* A run that reads machine-wide counters (any CPU run; a GPU run with
  auto-detected meters or any non-GPU meter) is **node-exclusive**: no other
  run of the sweep runs on its node while it is measured.
* A GPU run whose meters are all per-device GPU meters (``meters: [nvml]``)
  is **gpu-exclusive**: one run per GPU (``num_gpus=1``), several per node,
  never beside a node-exclusive run.
* ``allow_shared=True`` packs runs by CPU/GPU count; results then say
  ``shared-node`` (their machine-wide counters include the other runs).

Two ways to hold a node:

* ``resource`` lock (default when every node advertises it): nodes started with
  ``ray start --resources='{"wattprint_node_lock": 1}'``. A node-exclusive run
  asks for the whole unit, a gpu-exclusive run for 0.001 of it: a
  reader/writer lock that Ray itself enforces, across concurrent sweeps too.
* ``driver`` lock (an existing cluster without the resource): the driver pins
  each run to a node (``NodeAffinitySchedulingStrategy``) and keeps the
  per-node books itself; it protects against this sweep's own runs only.

The driver alone writes the store. Ray is imported lazily (``wattprint[ray]``).
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wattprint.errors import WattprintError
from wattprint.results.schema import RunConfig, RunResult
from wattprint.sweep import jobs as _jobs
from wattprint.sweep.jobs import (
    ISOLATION_GPU_EXCLUSIVE,
    ISOLATION_NODE_EXCLUSIVE,
    ISOLATION_SHARED,
    Job,
    Runner,
    call_runner,
    failed_result,
    measures_host,
    uses_gpu,
)

NODE_LOCK = "wattprint_node_lock"
#: share of the node lock a gpu-exclusive run holds (up to 1,000 on one node)
GPU_ONLY_LOCK_SHARE = 0.001
#: a run with no result after timeout_s * 2 + this many seconds is cancelled (a hung worker)
GUARD_GRACE_S = 120.0


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise WattprintError("Ray is not installed", "pip install 'wattprint[ray]', or use --executor local") from exc
    return ray


#: Seconds a Ray address has to answer (a gRPC handshake) before the sweep fails, naming it.
CONNECT_TIMEOUT_S = 15.0


def _host_port(address: str) -> tuple[str, int] | None:
    """``(host, port)`` of ``host:port``, ``[v6]:port`` or ``ray://host:port``; None for anything else."""
    if address.startswith("ray://"):
        address = address[len("ray://"):]
    elif "://" in address:
        return None
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit():
        return None
    return host.strip("[]"), int(port)


def probe(address: str, timeout_s: float = CONNECT_TIMEOUT_S) -> None:
    """Fail within ``timeout_s`` seconds, naming ``address``, unless a gRPC server (a Ray GCS or Ray
    Client server) answers there. ``ray.init`` itself waits long on an unreachable or silent address
    and cannot be stopped meanwhile; this wait can (Ctrl-C, SIGTERM). Addresses that are not
    ``host:port`` (``auto`` without ``$RAY_ADDRESS``, ``local``) are not probed."""
    hp = _host_port(address)
    if hp is None:
        return
    import grpc  # installed with ray

    target = f"[{hp[0]}]:{hp[1]}" if ":" in hp[0] else f"{hp[0]}:{hp[1]}"
    channel = grpc.insecure_channel(target)
    try:
        grpc.channel_ready_future(channel).result(timeout=timeout_s)
    except grpc.FutureTimeoutError:
        raise WattprintError(
            f"no Ray cluster answered at {address!r} within {timeout_s:g} s (unreachable, or not a Ray address)",
            "check the address (ray status on the head node shows it) and the firewall, raise --connect-timeout, "
            "or pass --address local to start a one-machine Ray",
        ) from None
    finally:
        channel.close()


def connect(address: str | None = "auto", *, timeout_s: float = CONNECT_TIMEOUT_S, **init_kwargs: Any) -> bool:
    """Connect to Ray (``auto``, ``ray://host:port``, ``host:port``, or ``local`` to start one here).

    Returns True when this call started the connection (the caller shuts it down).
    An already-initialised Ray (a test fixture, a notebook) is used as is. A ``host:port``
    address (or ``$RAY_ADDRESS`` with ``auto``) must answer within ``timeout_s`` seconds
    (:func:`probe`). The SIGTERM handler in place before ``ray.init`` (which replaces it) is put
    back, so a stop signal still stops the sweep cleanly.
    """
    ray = _import_ray()
    if ray.is_initialized():
        return False
    target = os.environ.get("RAY_ADDRESS") if address in (None, "auto") else address
    if target:
        probe(target, timeout_s)
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    init_kwargs.setdefault("log_to_driver", False)
    if address in (None, "", "local"):  # a one-machine Ray: no dashboard, loopback only
        init_kwargs.setdefault("include_dashboard", False)
        init_kwargs.setdefault("_node_ip_address", "127.0.0.1")
        init_kwargs.setdefault("resources", {NODE_LOCK: 1})
    previous = signal.getsignal(signal.SIGTERM)
    try:
        ray.init(address=address or "local", **init_kwargs)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WattprintError(
            f"cannot connect to a Ray cluster at {address!r}: {msg}",
            "start one: ray start --head --resources='{\"wattprint_node_lock\": 1}', "
            "or pass --address local to start a one-machine Ray",
        ) from exc
    finally:
        if previous is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)
    return True


def _remote_run(runner: Runner, config_json: str, timeout_s: float | None, isolation: str) -> tuple[str, dict]:
    """Body of the Ray task: run one config on this worker's node, return the result as JSON."""
    import ray

    config = RunConfig.model_validate_json(config_json)
    result = call_runner(runner, config, timeout_s, isolation)
    ctx = ray.get_runtime_context()
    node = {"node_id": ctx.get_node_id(), "hostname": socket.gethostname(), "gpu_ids": list(ray.get_gpu_ids())}
    return result.model_dump_json(), node


@dataclass
class _Node:
    node_id: str
    cpus: float
    gpus: float
    lock: float
    running: int = 0
    gpu_running: int = 0
    exclusive: bool = False


@dataclass
class _Placement:
    options: dict[str, Any]
    isolation: str
    node: _Node | None = None
    gpu: bool = False


@dataclass
class _Scheduler:
    """Decides where (and whether, now) a job can start; keeps the books for ``driver`` lock."""

    nodes: list[_Node]
    mode: str  # shared | resource | driver
    cpus_per_run: float = 1.0
    running: int = 0
    gpu_running: int = 0

    @property
    def total_gpus(self) -> float:
        return sum(n.gpus for n in self.nodes)

    def capacity(self) -> int:
        if self.mode == "shared":
            return max(1, sum(int(n.cpus // self.cpus_per_run) for n in self.nodes))
        lock_nodes = [n for n in self.nodes if self.mode == "driver" or n.lock >= 1]
        return max(1, len(lock_nodes) + int(sum(n.gpus for n in lock_nodes)))

    def place(self, job: Job) -> _Placement | None:
        gpu = uses_gpu(job.config)
        host = measures_host(job.config)
        opts: dict[str, Any] = {"num_cpus": self.cpus_per_run, "num_gpus": 1 if gpu else 0, "max_retries": 0}
        if self.mode == "shared":
            if self.running >= self.capacity() or (gpu and self.gpu_running >= self.total_gpus):
                return None
            return _Placement(opts, ISOLATION_SHARED, gpu=gpu)
        if self.mode == "resource":
            if self.running >= self.capacity():
                return None
            opts["resources"] = {NODE_LOCK: 1.0 if host else GPU_ONLY_LOCK_SHARE}
            return _Placement(opts, ISOLATION_NODE_EXCLUSIVE if host else ISOLATION_GPU_EXCLUSIVE, gpu=gpu)
        # driver lock: pin to a node we know is free enough
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        for node in self.nodes:
            if node.cpus < min(self.cpus_per_run, 1):
                continue
            if host and node.running == 0 and (not gpu or node.gpus >= 1):
                node.exclusive = True
            elif not host and not node.exclusive and node.gpu_running < node.gpus:
                pass
            else:
                continue
            opts["num_cpus"] = min(self.cpus_per_run, node.cpus)
            opts["scheduling_strategy"] = NodeAffinitySchedulingStrategy(node_id=node.node_id, soft=False)
            return _Placement(opts, ISOLATION_NODE_EXCLUSIVE if host else ISOLATION_GPU_EXCLUSIVE, node, gpu)
        return None

    def take(self, p: _Placement) -> None:
        self.running += 1
        self.gpu_running += int(p.gpu)
        if p.node is not None:
            p.node.running += 1
            p.node.gpu_running += int(p.gpu)

    def release(self, p: _Placement) -> None:
        self.running -= 1
        self.gpu_running -= int(p.gpu)
        if p.node is not None:
            p.node.running -= 1
            p.node.gpu_running -= int(p.gpu)
            if p.node.running == 0:
                p.node.exclusive = False


def _cluster_nodes(ray: Any) -> list[_Node]:
    nodes = []
    for n in ray.nodes():
        if not n.get("Alive"):
            continue
        res = n.get("Resources", {})
        cpus, gpus, lock = (float(res.get(k, 0)) for k in ("CPU", "GPU", NODE_LOCK))
        nodes.append(_Node(n["NodeID"], cpus, gpus, lock))
    return [n for n in nodes if n.cpus > 0]


@dataclass
class RayExecutor:
    """Fan runs out over Ray; ``lock`` is ``auto`` | ``resource`` | ``driver`` (ignored with ``allow_shared``)."""

    address: str | None = "auto"
    allow_shared: bool = False
    cpus_per_run: float = 1.0
    lock: str = "auto"
    runner: Runner | None = None
    init_kwargs: dict[str, Any] = field(default_factory=dict)
    connect_timeout_s: float = CONNECT_TIMEOUT_S
    name: str = "ray"
    _mode: str = ""
    _nodes: int = 0

    def _mode_for(self, nodes: list[_Node]) -> str:
        if self.allow_shared:
            return "shared"
        if self.lock in ("resource", "driver"):
            if self.lock == "resource" and not any(n.lock >= 1 for n in nodes):
                raise WattprintError(
                    f"no node of the Ray cluster has the {NODE_LOCK} resource",
                    f"start nodes with: ray start --resources='{{\"{NODE_LOCK}\": 1}}' (or use the driver lock)",
                )
            return self.lock
        return "resource" if nodes and all(n.lock >= 1 for n in nodes) else "driver"

    def describe(self) -> dict:
        iso = ISOLATION_SHARED if self.allow_shared else f"{ISOLATION_NODE_EXCLUSIVE} (host meters) / " \
            f"{ISOLATION_GPU_EXCLUSIVE} (GPU-only meters)"
        return {"executor": self.name, "address": self.address, "isolation": iso,
                "lock": self._mode or ("shared" if self.allow_shared else self.lock), "nodes": self._nodes}

    def run(
        self,
        jobs: list[Job],
        timeout_s: float | None,
        on_start: Callable[[Job], None],
        on_result: Callable[[Job, RunResult, float], None],
    ) -> None:
        """Submit ``jobs`` as capacity frees up; ``on_result`` is called on the driver as each returns."""
        if not jobs:
            return
        ray = _import_ray()
        started_here = connect(self.address, timeout_s=self.connect_timeout_s, **self.init_kwargs)
        try:
            self._run(ray, jobs, timeout_s, on_start, on_result)
        finally:
            if started_here:
                ray.shutdown()

    def _run(self, ray: Any, jobs: list[Job], timeout_s: float | None,
             on_start: Callable[[Job], None], on_result: Callable[[Job, RunResult, float], None]) -> None:
        runner = self.runner or _jobs.default_runner()
        nodes = _cluster_nodes(ray)
        if not nodes:
            raise WattprintError("the Ray cluster has no node with a CPU", "add worker nodes: ray start --address ...")
        self._mode = self._mode_for(nodes)
        self._nodes = len(nodes)
        sched = _Scheduler(nodes, self._mode, self.cpus_per_run)
        remote = ray.remote(_remote_run)
        runner_ref = ray.put(runner)
        pending = list(jobs)
        inflight: dict[Any, tuple[Job, _Placement, float]] = {}
        guard = None if timeout_s is None else timeout_s * 2 + GUARD_GRACE_S

        def finish(job: Job, p: _Placement, t0: float, result: RunResult, node: dict | None) -> None:
            sched.release(p)
            result.environment.isolation = p.isolation
            sweep = result.extra.setdefault("sweep", {})
            sweep.update({"executor": "ray", "isolation": p.isolation, "lock": self._mode})
            if node:
                sweep["node"] = node
            on_result(job, result, time.perf_counter() - t0)

        try:
            while pending or inflight:
                # start what fits now (in order, skipping jobs that must wait for a node)
                i = 0
                while i < len(pending):
                    job = pending[i]
                    if uses_gpu(job.config) and sched.total_gpus < 1:
                        pending.pop(i)
                        on_start(job)
                        on_result(job, failed_result(job.config, "no GPU in the Ray cluster for device "
                                                     f"{job.config.device!r}", ISOLATION_SHARED), 0.0)
                        continue
                    p = sched.place(job)
                    if p is None:
                        i += 1
                        if sched.running >= sched.capacity():
                            break
                        continue
                    pending.pop(i)
                    sched.take(p)
                    on_start(job)
                    ref = remote.options(**p.options).remote(runner_ref, job.config.model_dump_json(), timeout_s,
                                                             p.isolation)
                    inflight[ref] = (job, p, time.perf_counter())
                if not inflight:
                    if pending:  # nothing can ever place them (should not happen): fail rather than spin
                        for job in pending:
                            on_result(job, failed_result(job.config, "no Ray node can take this run"), 0.0)
                        pending.clear()
                    break
                ready, _ = ray.wait(list(inflight), num_returns=1, timeout=1.0)
                for ref in ready:
                    job, p, t0 = inflight.pop(ref)
                    try:
                        doc, node = ray.get(ref)
                        result = RunResult.model_validate_json(doc)
                    except Exception as exc:  # noqa: BLE001 - worker crash, node died, OOM kill, cancel
                        line = (str(exc).strip().splitlines() or [""])[0][:300]
                        reason = f"ray: {type(exc).__name__}: {line}"
                        result, node = failed_result(job.config, reason, p.isolation), None
                    finish(job, p, t0, result, node)
                if guard is not None:
                    now = time.perf_counter()
                    for ref, (job, p, t0) in list(inflight.items()):
                        if now - t0 > guard:
                            ray.cancel(ref, force=True)
                            inflight.pop(ref)
                            finish(job, p, t0, failed_result(job.config, f"no result from the Ray worker after "
                                                             f"{now - t0:.0f} s (cancelled)", p.isolation), None)
        except KeyboardInterrupt:
            for ref in inflight:
                try:
                    ray.cancel(ref, force=True)
                except Exception:  # noqa: BLE001, S110 - best effort on the way out
                    pass
            raise
