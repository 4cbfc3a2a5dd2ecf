"""Fleet runs: the scheduled ``auditor run`` and the executors that do its per-device work.

``work`` is one device's job as JSON and the function that does it; ``local`` runs the jobs
in worker processes on this machine; ``celery_app`` and ``celery_executor`` run them on
Celery workers over a Redis broker; ``run`` ties a run together (collect, audit, archive,
history, reports, tickets).
"""
