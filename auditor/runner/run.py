"""A scheduled fleet run: collect -> audit -> archive -> history -> reports -> tickets.

``auditor run`` calls ``run_fleet`` once a night from cron or a systemd timer. Every device
of the inventory becomes one ``DeviceWork``; an executor (local processes, or Celery
workers) does the per-device work; this module gathers the results in inventory order,
archives the collections, records the run in the history, and writes the reports into a
folder of its own: the JSON report, HTML and Markdown with the trend since the last run,
change tickets for the checks that newly fail (a check failing since an earlier run
already has its ticket), and the list of what got fixed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from auditor import inventory
from auditor.archive import Archive
from auditor.errors import AuditorError
from auditor.inventory import Device
from auditor.pipeline import exit_code_of, read_config
from auditor.reports import json_layout, json_report
from auditor.reports.render import write as write_report
from auditor.reports.tickets import write_tickets
from auditor.runner.beside import run_all
from auditor.runner.cache import work_key
from auditor.runner.work import DeviceWork

__all__ = ["Executor", "RunOutcome", "RunRequest", "run_fleet", "failing_checks"]

_OK = ("pass", "not_applicable")
Key = tuple[str, str, str]  # (device, policy, check); policy and check are "" for a device error


class Executor(Protocol):
    """What does the per-device work: ``LocalExecutor`` or ``CeleryExecutor``."""

    name: str

    def map(
        self, works: Sequence[DeviceWork], progress: Callable[[int, int], None] | None = None
    ) -> list[dict[str, Any]]:
        """Return ``work.process``'s result for every work item, in order."""


@dataclass(frozen=True, slots=True)
class RunRequest:
    """What to run, and where its results go."""

    inventory: Path
    policies: tuple[str, ...]
    archive: Path
    history: Path
    reports: Path  # this run's reports go into a new folder inside
    platform: str | None = None
    inside_networks: tuple[str, ...] | None = None
    limit: tuple[str, ...] = ()
    accept_new_host_keys: bool = False
    collect_here: bool = True  # collect in this process (local) or in the workers (celery)
    offline: bool = False  # audit each collected device's latest archived config; collect nothing
    cache: bool = True  # reuse the result of a device whose inputs are all unchanged
    inline_configs: bool = False  # send config text with the work (workers on other machines)


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What a run produced: its report document, its folder, and what changed."""

    run_id: int
    document: dict[str, Any]
    folder: Path
    newly_failing: list[Key]
    fixed: list[Key]
    exit_code: int


def run_fleet(
    request: RunRequest,
    executor: Executor,
    collect: Callable[[list[Device], Archive], dict[str, tuple[str | None, str, str | None]]] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunOutcome:
    """Run the fleet once; see the module docstring.

    ``collect`` collects the remote devices here (the local executor): it archives them and
    returns, per device, (redacted text or None, source, error). Without it, the workers
    collect and this archives what they return.

    Raises:
        AuditorError: the inventory, a pack or the history cannot be read (the run's own
            problem; a device's problem is that device's error in the report).
    """
    started = datetime.now(UTC)
    devices = inventory.select(inventory.load(request.inventory), list(request.limit) or None)
    archive = Archive(request.archive)
    if request.offline:
        works = [
            _archived_work(d, request, archive) if d.method != "file" else _work(d, request, None)
            for d in devices
        ]
    else:
        here = collect(devices, archive) if collect is not None and request.collect_here else {}
        works = [_work(d, request, here.get(d.name)) for d in devices]
    results, kept = _execute(works, request, executor, progress)
    hashes: dict[str, str | None] = {}
    docs = []
    for device, work, result in zip(devices, works, results, strict=True):
        collection = result.get("collection")
        doc = result["device"]
        if collection is not None:
            entry = archive.store(
                device.name,
                collection["platform"],
                collection["source"],
                collection["text"],
                _when(collection["collected_at"]),
                error=collection["error"],
            )
            hashes[device.name] = entry.sha256
        else:
            hashes[device.name] = result.get("sha256")
            expected = work.extra.get("sha256")
            if expected and result.get("sha256") not in (None, expected):
                doc = _altered(doc, work)
        docs.append(doc)
    document: dict[str, Any] = {
        "schema_version": json_report.SCHEMA_VERSION,
        "run": {
            "started_at": started.isoformat(timespec="seconds"),
            "policies": list(request.policies),
            "executor": executor.name,
            "inventory": str(request.inventory),
            "reused": len(kept[1]),  # devices whose unchanged result was reused
        },
        "devices": docs,
    }
    code = exit_code_of([d["status"] for d in docs])
    return _record_and_report(request, document, hashes, code, executor.name, kept)


def _execute(
    works: list[DeviceWork],
    request: RunRequest,
    executor: Executor,
    progress: Callable[[int, int], None] | None,
) -> tuple[list[dict[str, Any]], tuple[dict[str, str], list[str]]]:
    """Return every work's result, the executor doing only those no earlier run answered.

    Also returns what the history should keep: the new results by key (a device error is
    not kept: it may be the executor's, such as a lost worker), and the keys reused.
    """
    nothing: list[str | None] = [None] * len(works)
    keys, shas = _cache_keys(works) if request.cache else (nothing, nothing)
    cached = _cached(request.history, keys)
    todo = [i for i, key in enumerate(keys) if key is None or key not in cached]
    done = dict(zip(todo, executor.map([works[i] for i in todo], progress), strict=True))
    # Each cached text is dropped once read: a fleet's worth of them need not stay in memory.
    results = [
        done[i] if i in done or key is None else _reused(cached.pop(key), works[i], shas[i])
        for i, key in enumerate(keys)
    ]
    fresh = {
        key: json.dumps(done[i]["device"])
        for i, key in enumerate(keys)
        if key is not None and i in done and done[i]["device"]["status"] != "error"
    }
    return results, (fresh, [k for i, k in enumerate(keys) if k is not None and i not in done])


def _record_and_report(
    request: RunRequest,
    document: dict[str, Any],
    hashes: dict[str, str | None],
    code: int,
    executor: str,
    results: tuple[dict[str, str], list[str]],
) -> RunOutcome:
    """Record the run in the history, then write its reports with the trend and new tickets."""
    from auditor.history import History

    finished = datetime.now(UTC)
    with History.open(request.history) as history:
        previous = history.last_run_id()
        run_id = history.record_run(
            document,
            finished_at=finished,
            executor=executor,
            inventory=str(request.inventory),
            config_hashes=hashes,
            exit_code=code,
        )
        history.keep_results(run_id, *results)
        diff = history.compare(previous, run_id) if previous is not None else None
        document["history"] = history.report_trend(run_id, compared=diff)
    document["run"]["id"] = run_id
    if diff is None:  # the first run: everything failing is new
        errors = [(d["name"], "", "") for d in document["devices"] if d["status"] == "error"]
        newly = errors + failing_checks(document)
        fixed: list[Key] = []
    else:
        # A device error is a change too (it has no check): the report shows it, no ticket does.
        newly = [(c.device, c.policy or "", c.check or "") for c in diff.newly_failing]
        fixed = [(c.device, c.policy or "", c.check or "") for c in diff.fixed]
    folder = _run_folder(request.reports, run_id, document["run"]["started_at"])
    _write_reports(folder, document, set(newly), fixed)
    return RunOutcome(run_id, document, folder, newly, fixed, code)


def failing_checks(document: dict[str, Any]) -> list[Key]:
    """Return (device, policy, check) of every finding that is not pass or not_applicable."""
    return [
        (d["name"], f["policy"], f["check"])
        for d in document["devices"]
        for f in d["findings"]
        if f["status"] not in _OK
    ]


def _work(device: Device, request: RunRequest, here: tuple[str | None, str, str | None] | None) -> DeviceWork:
    base = DeviceWork(
        device.model_dump(mode="json"),
        list(request.policies),
        platform=request.platform,
        inside_networks=list(request.inside_networks) if request.inside_networks else None,
        accept_new_host_keys=request.accept_new_host_keys,
    )
    if device.method == "file":
        assert device.config_path is not None  # inventory.load guarantees it for files
        source = f"file:{device.config_path}"
        if not request.inline_configs:  # the worker reads it: the fleet's texts never pile up here
            return replace(base, path=str(device.config_path), source=source)
        try:
            return replace(base, text=read_config(device.config_path), source=source)
        except AuditorError as exc:
            return replace(base, source=source, error=str(exc))
    if here is None:
        return base  # the worker collects
    text, source, error = here
    if text is None:
        return replace(base, source=source, error=f"{device.name}: not collected: {error}")
    return replace(base, text=text, source=source)


def _cache_keys(works: list[DeviceWork]) -> tuple[list[str | None], list[str | None]]:
    """Each work's result key and config hash (None: not cacheable, such as a device the worker collects).

    The hash is of the config as it is now (a file read here), so an archived config that no
    longer matches its recorded hash is a new key, and the worker finds it altered.
    """
    keys: list[str | None] = []
    shas: list[str | None] = []
    packs: dict[str, str | None] = {}
    for work in works:
        text = work.text
        if text is None and work.path is not None and work.error is None:
            try:
                text = read_config(Path(work.path))
            except AuditorError:
                text = None
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest() if text is not None else None
        shas.append(sha)
        keys.append(work_key(work, sha, packs) if sha is not None else None)
    return keys, shas


def _cached(history: Path, keys: list[str | None]) -> dict[str, str]:
    wanted = [k for k in keys if k is not None]
    if not wanted or not history.exists():
        return {}
    from auditor.history import History

    with History.open(history) as store:
        return store.cached_results(wanted)


def _reused(document: str, work: DeviceWork, sha: str | None) -> dict[str, Any]:
    """A cached result, with this run's source (a new collection of the same config)."""
    return {"device": dict(json.loads(document), source=work.source or ""), "collection": None, "sha256": sha}


def _archived_work(device: Device, request: RunRequest, archive: Archive) -> DeviceWork:
    """The work for a collected device in an offline run: its latest archived config.

    A device whose last collection failed is an error with that reason: its older config
    is not audited as if it were current.
    """
    base = _work(device, request, None)
    try:
        last = archive.latest(device.name)
    except AuditorError as exc:
        return replace(base, source=f"archive:{archive.root}", error=f"{device.name}: {exc}")
    source = f"archive:{archive.root}/{device.name}#{last.seq}@{last.collected_at}"
    if last.sha256 is None:
        error = f"{device.name}: last collection failed at {last.collected_at}: {last.error}"
        return replace(base, source=source, error=error)
    path = archive.config_path(last)
    if request.inline_configs:
        try:
            return replace(base, text=archive.read(last), source=source)
        except AuditorError as exc:
            return replace(base, source=source, error=f"{device.name}: {exc}")
    return replace(base, path=str(path), source=source, extra={"sha256": last.sha256})


def _altered(doc: dict[str, Any], work: DeviceWork) -> dict[str, Any]:
    """A device whose archived config no longer matches its recorded hash: an error, not audited."""
    error = f"{doc['name']}: {work.path}: content does not match its sha256 (the archive was altered)"
    return dict(doc, status="error", findings=[], remediation=None, error=error)


def _write_reports(folder: Path, document: dict[str, Any], newly: set[Key], fixed: list[Key]) -> None:
    """Write the run's reports, its new tickets and its change list; the JSON report last.

    The JSON report is what marks a finished folder, so it is written after the rest. The
    HTML report and the JSON tickets render in a forked child meanwhile (``beside``).
    """
    folder.mkdir(parents=True, exist_ok=True)
    fresh = _only(document, newly)
    still = len(failing_checks(document)) - len(failing_checks(fresh))

    def html_and_json_tickets() -> None:
        _write_page(folder / "report.html", document, "html")
        with (folder / "tickets.json").open("w", encoding="utf-8") as handle:
            write_tickets(fresh, "json", handle)

    def markdown_and_md_tickets() -> None:
        _write_page(folder / "report.md", document, "md")
        with (folder / "tickets.md").open("w", encoding="utf-8") as handle:
            if still and not failing_checks(fresh):
                handle.write(
                    f"No new change tickets: the {still} failing checks were already failing"
                    " in an earlier run.\n"
                )
            else:
                write_tickets(fresh, "md", handle)

    run_all([html_and_json_tickets, markdown_and_md_tickets])
    changes = {"newly_failing": [_named(k) for k in sorted(newly)], "fixed": [_named(k) for k in fixed]}
    (folder / "changes.json").write_text(json.dumps(changes, indent=2) + "\n", encoding="utf-8")
    with (folder / "report.json").open("w", encoding="utf-8") as handle:
        json_layout.write_document(document, handle, per_line=("devices",))


def _write_page(path: Path, document: dict[str, Any], fmt: str) -> None:
    # Written as it renders: a fleet's report is never one string in memory.
    with path.open("w", encoding="utf-8") as handle:
        write_report(document, fmt, handle)


def _only(document: dict[str, Any], keep: set[tuple[str, str, str]]) -> dict[str, Any]:
    """Return the document with each device's failing findings narrowed to ``keep``.

    Tickets are rendered from it: a check already failing in the last run has its ticket.
    """
    devices = []
    for device in document["devices"]:
        findings = [
            f
            for f in device["findings"]
            if f["status"] in _OK or (device["name"], f["policy"], f["check"]) in keep
        ]
        devices.append(dict(device, findings=findings))
    return dict(document, devices=devices)


def _named(key: Key) -> dict[str, str]:
    return dict(zip(("device", "policy", "check"), key, strict=True))


def _run_folder(root: Path, run_id: int, started_at: str) -> Path:
    stamp = started_at.replace(":", "").replace("-", "").replace("+0000", "Z")
    return root / f"run-{run_id:05d}-{stamp}"


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
