"""A chapter downloaded alone runs, top to bottom, in a plain environment.

As a reader on Colab, Binder or their own Jupyter: a fresh venv holding only what runs
a notebook (nbclient, ipykernel, nbformat), no `backprop`, no scientific stack. Each
chapter is copied alone into an empty directory; its setup cell installs
`backprop[course]` from BACKPROP_SOURCE, here a copy of this checkout's sources (a
reader gets the repository instead). The venv is made once for all chapters: the first
chapter installs the course package, each later one finds it and must still run.
"""

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import nbformat
import pytest
from conftest import FULL, ROOT

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
RUNNER = ("nbclient", "ipykernel", "nbformat")
RUN = ("import nbformat, nbclient, sys; nb = nbformat.read(sys.argv[1], 4); "
       "nbclient.NotebookClient(nb, timeout=600, kernel_name='python3').execute()")


def pins(names) -> list[str]:
    """These packages' versions in the lock (requirements.txt)."""
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    found = [line.split()[0] for line in lines if line.split("==")[0] in names]
    assert len(found) == len(names), f"the lock must pin {names}"
    return found


def leftovers(tree: Path) -> list[str]:
    """What a build would leave behind in a source tree."""
    return sorted(str(p.relative_to(tree)) for pattern in ("build", "dist", "**/*.egg-info")
                  for p in tree.glob(pattern))


def copy_sources(target: Path) -> Path:
    """The package's sources as a reader's clone has them (no build products)."""
    shutil.copytree(ROOT / "code", target / "code",
                    ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, target / name)
    return target


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    """A venv with only the notebook runner, and a copy of the sources to install."""
    base = tmp_path_factory.mktemp("reader")
    env_dir = base / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    env = {**{k: v for k, v in os.environ.items() if k.startswith("PIP_")},
           "PATH": f"{env_dir / 'bin'}:/usr/bin:/bin", "HOME": str(base),
           "PIP_CACHE_DIR": os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip")),
           "MPLBACKEND": "agg"}
    subprocess.run([python, "-m", "pip", "install", "--quiet", *pins(RUNNER)],
                   check=True, capture_output=True, env=env)
    for module in ("backprop", "numpy", "matplotlib"):
        absent = subprocess.run([python, "-c", f"import {module}"], capture_output=True, env=env)
        assert absent.returncode != 0, f"the reader's fresh venv must not have {module} yet"
    source = copy_sources(base / "source")
    env["BACKPROP_SOURCE"] = source.as_uri()  # file:///...
    return {"python": python, "env": env, "source": source, "base": base}


@FULL  # the full tier: make check
@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_a_downloaded_chapter_runs_alone(reader, path, tmp_path):
    notebook = tmp_path / path.name  # downloaded alone: no chapters/ or code/ beside it
    shutil.copy(path, notebook)
    done = subprocess.run([reader["python"], "-c", RUN, str(notebook)], cwd=tmp_path,
                          env=reader["env"], capture_output=True, text=True)
    first = next(c for c in nbformat.read(path, 4).cells if c.cell_type == "code")
    assert done.returncode == 0, (
        f"{path.name} fails when run alone in a fresh venv. Its first code cell must be "
        "the setup cell that installs \"backprop[course] @ {source}\" (README, Contributing), "
        "and everything it imports must be in pyproject.toml's `course` extra.\n"
        f"Its first code cell:\n{first.source}\n\nThe run:\n{(done.stdout + done.stderr)[-3000:]}")
    installed = subprocess.run([reader["python"], "-c", "import backprop; print(backprop.__file__)"],
                               capture_output=True, text=True, env=reader["env"])
    assert str(reader["base"] / "venv") in installed.stdout, (
        "backprop must be installed into the reader's venv, not found elsewhere: "
        f"{installed.stdout}{installed.stderr}")
    assert leftovers(reader["source"]) == [], (
        "installing the package left build products in its sources: "
        f"{leftovers(reader['source'])} (pyproject.toml's build backend must build out of tree)")


def test_building_the_package_leaves_a_checkout_clean(tmp_path):
    """`pip install .` in a clone must not leave build/ or *.egg-info behind."""
    source = copy_sources(tmp_path / "clone")
    wheel = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
         "--wheel-dir", str(tmp_path / "wheels"), str(source)],
        capture_output=True, text=True)
    assert wheel.returncode == 0, wheel.stdout + wheel.stderr
    assert list((tmp_path / "wheels").glob("backprop-*.whl")), "no wheel was built"
    assert leftovers(source) == [], (
        f"building the package left {leftovers(source)} in the sources: the build backend "
        "(pyproject.toml) must build in a temporary directory")
