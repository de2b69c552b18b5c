# Two commands do everything (see README):
#   make course   set up, make the sample data, run every notebook headless, print a summary
#   make test     set up, then unit tests and every notebook under nbval
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PROFILE ?= quick

# Quiet TensorFlow's C++ logging so notebook outputs stay readable.
export TF_CPP_MIN_LOG_LEVEL := 3
export COURSE_PROFILE := $(PROFILE)

.PHONY: course test setup lab data browser clean-build headers

setup: $(STAMP)

# Re-install only when the pins change or the venv is missing. PyTorch (notebook 09) has
# its own requirements file but is part of every set-up: it adds about 30 s and 0.9 GB.
$(STAMP): requirements.txt requirements-torch.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-torch.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e . || $(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

data: $(STAMP)
	$(PY) -m tools.make_sample_data

course: data
	$(PY) -m tools.run_notebooks --profile $(PROFILE)

# Best effort: tests/test_browser.py drives Debian's chromium (no browser download) and
# skips, saying why, when it is missing; a failed install here never fails `make test`.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	{ echo "installing chromium for the browser tests ..."; \
	  sudo=$$([ "$$(id -u)" -eq 0 ] || echo "sudo -n"); \
	  { $$sudo apt-get update -qq && \
	    $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1; } || \
	echo "chromium could not be installed (needs apt and root): the browser tests will be skipped"

# pytest exits 5 when it collected nothing: that is a broken checkout, say so.
test: data browser
	$(PY) -m pytest tests notebooks --nbval-lax --nbval-current-env -p no:cacheprovider $(PYTEST_ARGS); \
	status=$$?; [ $$status -ne 5 ] || echo "pytest collected no tests: is tests/ missing?"; exit $$status

# JupyterLab from the course's venv on the whole checkout, opened on the index. Kernels
# get the full profile (as when you open a notebook yourself) unless you say
# `make lab PROFILE=quick`.
LAB_PROFILE = $(if $(filter command line environment,$(origin PROFILE)),$(PROFILE),full)
lab: $(STAMP)
	COURSE_PROFILE=$(LAB_PROFILE) $(VENV)/bin/jupyter lab \
	  --ServerApp.root_dir="$(CURDIR)" $(if $(filter 0,$(shell id -u)),--allow-root) \
	  notebooks/00_index.ipynb

headers: $(STAMP)
	$(PY) -m tools.notebook_headers

clean-build:
	rm -rf build
