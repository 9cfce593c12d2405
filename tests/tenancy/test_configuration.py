import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def start_django(**environment: str) -> subprocess.CompletedProcess:
    env = {
        key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "CELERY_BROKER_URL"}
    }
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings.base", **environment}
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://root@localhost/x"),
        ("DATABASE_URL", "postgres://postgres@127.0.0.1:5432"),
        ("CELERY_BROKER_URL", "amqp://guest@localhost//"),
        ("DEBUG", "maybe"),
    ],
)
def test_misconfigured_variable_fails_at_start_up_naming_it(variable, value):
    result = start_django(**{variable: value})

    assert result.returncode != 0
    assert variable in result.stderr


def test_embedded_default_needs_no_services(tmp_path):
    result = start_django(DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3")

    assert result.returncode == 0, result.stderr
