# Two entry points: `make demo` (MNIST end to end) and `make test` (pytest).
# Both create the virtualenv at .venv with the pinned stack when it is missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: venv demo test clean

venv: $(STAMP)

# The exact tested stack (requirements/constraints.txt) with mmcv-lite, the
# CPU build of mmcv; the package itself only asks for lower bounds.
$(STAMP): requirements/runtime.txt requirements/tests.txt \
		requirements/constraints.txt setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -c requirements/constraints.txt \
		-r requirements/runtime.txt -r requirements/tests.txt mmcv-lite
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: $(STAMP)
	$(PY) tools/run_demo.py

test: $(STAMP)
	$(PY) -m pytest tests -n 2 --dist loadfile --durations=15

clean:
	rm -rf work_dirs
