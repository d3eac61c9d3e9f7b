"""Shared fixtures: the rhetor binary to compare against, and articles
written for these tests (never dataset text)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Small articles written for these tests, in three languages; one has no
# title field (line 1 of its text is the title), one has a numeric-looking id.
ARTICLES = [
    {
        "id": "en-1",
        "title": "Council's reckless harbour plan will ruin our town",
        "text": "The council has once again ignored every warning.\n"
        "Anyone with a shred of common sense can see that this disastrous scheme will bankrupt us all!\n"
        "Are we really going to let a handful of bureaucrats destroy what our grandparents built?\n"
        "The mayor said the project would create 300 jobs, but critics doubt the figures.",
    },
    {
        "id": "fr-2",
        "title": "Le gouvernement annonce une réforme des retraites",
        "text": "Le Premier ministre a présenté mardi un projet de loi sur les retraites.\n"
        "Selon les syndicats, cette réforme « injuste » frappera d'abord les plus modestes.\n"
        "L'opposition dénonce une trahison et promet de se battre jusqu'au bout.",
    },
    {
        "id": "3",
        "text": "Neue Studie zur Energiepolitik\n"
        "Die Bundesregierung will bis 2030 den Anteil erneuerbarer Energien deutlich erhöhen.\n"
        "Kritiker warnen vor explodierenden Strompreisen und einer Katastrophe für die Industrie.",
    },
    {
        "id": "en-4",
        "title": "Local bakery wins regional prize",
        "text": "A family bakery on Mill Street won the regional bread award on Saturday.\n"
        "The owners said they were grateful to their customers.",
    },
]


def ci() -> bool:
    """As rhetor-testkit's in_ci(): CI=true (any case) or CI=1."""
    v = os.environ.get("CI", "")
    return v.lower() == "true" or v == "1"


def require(condition: bool, what: str) -> None:
    """Skips loudly when something a test needs is missing; under CI=true
    that is a failure instead."""
    if condition:
        return
    if ci():
        pytest.fail(f"{what} (required under CI=true)")
    print(f"\n*** SKIPPED: {what} ***")
    pytest.skip(what)


@pytest.fixture(scope="session")
def rhetor_bin() -> Path:
    """The CLI built by `cargo test --workspace --release` / `cargo build --release`."""
    path = Path(os.environ.get("RHETOR_BIN", REPO / "target" / "release" / "rhetor"))
    require(path.exists(), f"the rhetor binary is not built ({path}); run `cargo build --release`")
    return path


def cli_json(rhetor_bin: Path, jsonl: Path, model: str = "fast", *extra: str) -> list:
    import json

    out = subprocess.run(
        [str(rhetor_bin), "analyze", "--model", model, "--format", "json", *extra, str(jsonl)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def write_jsonl(path: Path, articles) -> Path:
    import json

    with open(path, "w", encoding="utf-8") as f:
        for a in articles:
            f.write(json.dumps(a, ensure_ascii=False) + "\n")
    return path


@pytest.fixture(scope="session")
def java_available() -> bool:
    return shutil.which("java") is not None
