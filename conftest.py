"""`make test` runs every notebook under nbval: a cell that writes to stderr or prints
warning text fails there, as it fails `make course` (rule: tools/quiet_outputs.py)."""

import pytest

from tools.quiet_outputs import noise


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    outputs = getattr(item, "test_outputs", None)  # set by nbval for each notebook cell
    if outputs and (found := noise(outputs)):
        raise AssertionError(f"cell {getattr(item, 'cell_num', '?')} is not quiet:\n  " + "\n  ".join(found))
    return result
