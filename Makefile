# Two commands for everyone: `make lab` and `make test`. Both create .venv on first use.
# Everything else here is for instructors and course developers.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
ARGS   ?=

# Some machines set PYTHONDONTWRITEBYTECODE; with --no-compile installs that would make every
# import recompile from source (nbgrader takes 9 s instead of 4). Let Python cache bytecode.
unexport PYTHONDONTWRITEBYTECODE
# Tools that nbgrader calls (alembic, jupyter) must come from .venv.
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: lab test test-fast lint release clean-venv

# Install once; reinstall only when requirements.txt or pyproject.toml changes.
$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --no-compile -r requirements.txt
	@# Bytecode for every installed module, on both cores: the grading sandboxes see the venv
	@# read-only and would otherwise compile torch, numpy and matplotlib at every start.
	$(PY) -m compileall -q -j 0 -x '/(tests?|testing)/' $(VENV)/lib > /dev/null || true
	@# compat mode puts the course root on sys.path: solutions/, autograder/ and coursekit/
	@# import from this checkout, including packages added after the install.
	$(PY) -m pip install --quiet --no-compile --no-deps --no-build-isolation --config-settings editable_mode=compat -e .
	@touch $(STAMP)

## Open JupyterLab on the course (headless server: make lab ARGS=--no-browser)
# Jupyter refuses to run as root unless told; containers and lab machines often are root.
ROOTFLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
lab: $(STAMP)
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks $(ROOTFLAG) $(ARGS)

## Run the whole test suite, notebook execution included
test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile --durations=15 $(ARGS)

## Unit tests only (skips the real nbgrader cycle and notebook execution)
test-fast: $(STAMP)
	$(PY) -m pytest tests -m "not slow" $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

## Rebuild the student notebooks (notebooks/) and the reference package (solutions/) from source/
release: $(STAMP)
	$(PY) -m autograder release

clean-venv:
	rm -rf $(VENV)
