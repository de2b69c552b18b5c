"""Keras (with TensorFlow behind it), imported without the C++ libraries' start-up noise.

TensorFlow's C++ code writes "oneDNN custom operations are on" and an absl
warning straight to the process's stderr when it loads, whatever
TF_CPP_MIN_LOG_LEVEL says. Modules that need Keras at import time write
`keras = import_keras()`, so importing any utils module prints nothing.
Python's own errors still surface: an import that fails raises as usual.
"""

import contextlib
import importlib
import os
import sys


@contextlib.contextmanager
def stderr_file_descriptor_silenced():
    """Send what C/C++ code writes to file descriptor 2 to /dev/null, then restore it."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def import_keras():
    """The keras module; the first import (which loads TensorFlow) runs with stderr silenced."""
    if "keras" in sys.modules:
        return sys.modules["keras"]
    with stderr_file_descriptor_silenced():
        if os.environ.get("KERAS_BACKEND", "tensorflow") == "tensorflow":
            importlib.import_module("tensorflow")
        return importlib.import_module("keras")
