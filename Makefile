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

.PHONY: lab lab-instructor hub test test-fast lint release student clean-venv

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

## Open JupyterLab on notebooks/ for learners (headless server: make lab ARGS=--no-browser)
# Jupyter refuses to run as root unless told; containers and lab machines often are root.
ROOTFLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
# jupyter/learner: nbgrader's Validate button stays; its instructor tools (formgrader, the
# Nbgrader menu, Create Assignment, course and assignment lists) are switched off.
LEARNER_CONFIG    := $(abspath jupyter/learner)
INSTRUCTOR_CONFIG := $(abspath jupyter/instructor)
with_config = JUPYTER_CONFIG_PATH="$(1)$(if $(JUPYTER_CONFIG_PATH),:$(JUPYTER_CONFIG_PATH))"
lab: $(STAMP)
	@echo "JupyterLab for learners: open the URL printed below (ending in /lab/tree/notebooks)."
	$(call with_config,$(LEARNER_CONFIG)) $(VENV)/bin/jupyter lab --ServerApp.root_dir=. \
		--LabApp.default_url=/lab/tree/notebooks $(ROOTFLAG) $(ARGS)

## Open JupyterLab for instructors: source/, formgrader and every nbgrader tool
lab-instructor: $(STAMP)
	@mkdir -p exchange
	@echo "JupyterLab for instructors: open the URL printed below; formgrader is in the Nbgrader menu."
	$(call with_config,$(INSTRUCTOR_CONFIG)) $(VENV)/bin/jupyter lab --ServerApp.root_dir=. \
		--LabApp.default_url=/lab/tree/source $(ROOTFLAG) $(ARGS)

## JupyterHub for a lab on this machine: 127.0.0.1:8000, demo users and password printed (root)
# deploy/jupyterhub/: the hub's pins (into .venv: the single-user servers run from it too) and
# configurable-http-proxy from npm. jupyterhub_config.py says what each CNN_HUB_* variable sets.
HUB      := deploy/jupyterhub
HUB_PIP  := $(VENV)/.installed-hub
HUB_NODE := $(HUB)/node_modules/.installed
$(HUB_PIP): $(STAMP) $(HUB)/requirements.txt
	$(PY) -m pip install --quiet --no-compile -r $(HUB)/requirements.txt
	$(PY) -m compileall -q -j 0 -x '/(tests?|testing)/' $(VENV)/lib > /dev/null || true
	@touch $@
$(HUB_NODE): $(HUB)/package.json $(HUB)/package-lock.json
	npm ci --prefix $(HUB) --no-audit --no-fund --loglevel=error
	@touch $@
hub: $(HUB_PIP) $(HUB_NODE)
	@test "$$(id -u)" = 0 || { echo "make hub needs root: each user's server runs as the unix user of the same name (nbgrader's exchange tells learners apart by it), created on first start"; exit 2; }
	CNN_HUB_CREATE_USERS=1 $(VENV)/bin/jupyterhub -f $(HUB)/jupyterhub_config.py $(ARGS)

## Run the whole test suite, notebook execution included
# tests/test_hub.py needs the hub's packages: installed here where npm is (it skips elsewhere)
test: $(STAMP) $(HUB_PIP) $(if $(shell command -v npm),$(HUB_NODE))
	$(PY) -m pytest -n 2 --dist loadscope --durations=15 $(ARGS)

## Unit tests only (skips the real nbgrader cycle and notebook execution)
test-fast: $(STAMP)
	$(PY) -m pytest tests -m "not slow" $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

## Rebuild the student notebooks (notebooks/) and the reference package (solutions/) from source/
release: $(STAMP)
	$(PY) -m autograder release

## Build the student copy a graded class hands out (dist/cnn-course-student/; OUT=DIR elsewhere)
OUT ?=
student: $(STAMP)
	$(PY) -m autograder bundle $(if $(OUT),--out $(OUT))

clean-venv:
	rm -rf $(VENV)
