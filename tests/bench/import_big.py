"""Child process of the import benchmark: check and apply a generated file of N rows; print peak memory (MB).

Run by tests/bench/test_import_bench.py against its test database (DATABASE_URL), which already holds
the territory; the rows continue after the ones the benchmark wrote.
"""

import resource
import sys
import tempfile
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
django.setup()

from accounts.models import User  # noqa: E402
from imports.kinds import get_kind  # noqa: E402,F401
from imports.models import ApplyMode, JobState  # noqa: E402
from imports.pipeline.check import check_job  # noqa: E402
from imports.pipeline.jobs import begin_apply, run_apply  # noqa: E402
from tests.bench.rostergen import RosterSpec, write_resident_csv  # noqa: E402


class _Upload:
    """A file on disk handed to start_import in chunks, as Django hands over an upload."""

    def __init__(self, path: Path) -> None:
        self.path, self.name = path, path.name

    def chunks(self):
        with open(self.path, "rb") as stream:
            while chunk := stream.read(1 << 20):
                yield chunk


def main(rows: int) -> None:
    from grids.models import Building
    from imports.pipeline.jobs import start_import

    places = {}
    for estate, number, units in Building.objects.values_list("estate__name", "number", "units__number"):
        places.setdefault((estate, number), []).append(units)
    spec = RosterSpec(places=[(e, b, sorted(u), 40) for (e, b), u in places.items()], region6="640302", seed=11)
    user = User.objects.get(username="bench-admin")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.csv"
        write_resident_csv(path, rows, spec, encoding="gbk", start=5_000_000)
        job, found = start_import(user=user, kind="residents", upload=_Upload(path))
        job.state = JobState.CHECKING
        job.save()
        job = check_job(job)
        assert job.state == JobState.CHECKED, job.message
        begin_apply(job, mode=ApplyMode.VALID_ONLY, user=user)
        job = run_apply(job.pk)
        assert job.state == JobState.APPLIED, job.message
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


if __name__ == "__main__":
    main(int(sys.argv[1]))
