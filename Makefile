# Two commands do everything (see README); each is a thin wrapper around tools/course.py,
# which also runs without make: `python -m tools.course` and `python -m tools.course --test`.
#   make course   set up, make the sample data, run every notebook headless, print a summary
#   make test     set up (also the 3.12 and 3.13 venvs), the full suite here, then the tests
#                 of what differs between Pythons on each other supported Python
PYTHON ?= python3
VENV   := .venv
PROFILE ?= quick
COURSE := $(PYTHON) -m tools.course --profile $(PROFILE)

.PHONY: course test setup lab lint data clean-build headers

setup:
	$(COURSE) --setup

data: setup
	COURSE_PROFILE=$(PROFILE) $(VENV)/bin/python -m tools.make_sample_data

course:
	$(COURSE)

# The linter and formatter check alone (`make test` runs them first), see pyproject.toml.
lint:
	$(COURSE) --lint

# PYTEST_ARGS go to the main (full-suite) pytest run.
test:
	$(COURSE) --test -- $(PYTEST_ARGS)

# JupyterLab from the course's venv on the whole checkout, opened on the index. Kernels
# get the full profile (as when you open a notebook yourself) unless you say
# `make lab PROFILE=quick`.
LAB_PROFILE = $(if $(filter command line environment,$(origin PROFILE)),$(PROFILE),full)
lab: setup
	COURSE_PROFILE=$(LAB_PROFILE) $(VENV)/bin/jupyter lab \
	  --ServerApp.root_dir="$(CURDIR)" $(if $(filter 0,$(shell id -u)),--allow-root) \
	  notebooks/00_index.ipynb

headers: setup
	$(VENV)/bin/python -m tools.notebook_headers

clean-build:
	rm -rf build
