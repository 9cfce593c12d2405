"""Shared by the HTTP benchmarks (api, load): a bench supplier, a gunicorn server on loopback and the
`bench:` lines."""

import http.client
import os
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def reset_bench_supplier(*, code: str, municipality_name: str, supplier_name: str, token_name: str):
    """An empty bench municipality with one supplier and a token without a practical rate limit.

    Returns the municipality and the token key. Call inside a transaction, with Django set up.
    """
    from intake.models import ArrearsCase, ArrearsContactAttempt, ArrearsReport
    from tenancy import suppliers
    from tenancy.models import ApiToken, Covenant, Municipality, Supplier
    from tenancy.services import create_municipality

    municipality = Municipality.objects.filter(code=code).first() or create_municipality(
        code=code, name=municipality_name
    )
    ArrearsReport.objects.filter(municipality=municipality).delete()
    ArrearsContactAttempt.objects.filter(municipality=municipality).delete()
    ArrearsCase.objects.filter(municipality=municipality).delete()
    ApiToken.objects.filter(supplier__name=supplier_name).delete()
    Covenant.objects.filter(supplier__name=supplier_name).delete()
    Supplier.objects.filter(name=supplier_name).delete()
    supplier = suppliers.create_supplier(
        name=supplier_name, partner_type="Energie", municipality=municipality
    )
    _token, key = suppliers.create_api_token(
        supplier=supplier, name=token_name, rate_limit_per_minute=100_000_000
    )
    return municipality, key


def bearer_headers(key: str) -> dict[str, str]:
    return {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}


def line(name: str, value: float, unit: str, goal: str, digits: int = 1) -> None:
    if goal == "report":  # a figure without a goal: a comment, so every `bench:` line carries one
        print(f"# {name} = {value:.{digits}f} {unit}", flush=True)
        return
    print(f"bench: {name} = {value:.{digits}f} {unit} (goal {goal})", flush=True)


def percentile_ms(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000 if ordered else 0.0


def start_gunicorn(
    *,
    application: str,
    port: int,
    workers: int,
    threads: int,
    timeout: int,
    env: dict[str, str] | None = None,
) -> subprocess.Popen:
    """Start gunicorn (gthread) on loopback and wait until it answers."""
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            application,
            f"--bind={HOST}:{port}",
            f"--workers={workers}",
            "--worker-class=gthread",
            f"--threads={threads}",
            f"--timeout={timeout}",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "config.settings.base"} | (env or {}),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            probe = http.client.HTTPConnection(HOST, port, timeout=5)
            probe.request("GET", "/api/v1/feedback")
            probe.getresponse().read()
            return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("gunicorn did not start")
