"""The project's URLs plus the raw-SQL floors used by the benchmarks."""

from config.urls import urlpatterns as project_urlpatterns
from tests.bench.test_case_bench import urlpatterns as case_bench_urlpatterns
from tests.bench.test_ledger_bench import urlpatterns as bench_urlpatterns

urlpatterns = bench_urlpatterns + case_bench_urlpatterns + project_urlpatterns
