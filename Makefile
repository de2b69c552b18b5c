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
export MPLBACKEND := Agg

.PHONY: course test setup lab data clean-build headers

setup: $(STAMP)

# Re-install only when the pins change or the venv is missing.
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e . || $(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

data: $(STAMP)
	$(PY) -m tools.make_sample_data

course: data
	$(PY) -m tools.run_notebooks --profile $(PROFILE)

# pytest exits 5 when it collected nothing: that is a broken checkout, say so.
test: data
	$(PY) -m pytest tests notebooks --nbval-lax --nbval-current-env -p no:cacheprovider $(PYTEST_ARGS); \
	status=$$?; [ $$status -ne 5 ] || echo "pytest collected no tests: is tests/ missing?"; exit $$status

lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/00_index.ipynb

headers: $(STAMP)
	$(PY) -m tools.notebook_headers

clean-build:
	rm -rf build
