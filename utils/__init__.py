"""The course library: every notebook does `import utils` and calls what it needs.

Names are re-exported lazily from the concept modules (arrays, plots, data,
kaggle, models, ...) so that `import utils` is fast, has no side effects, and
does not import TensorFlow until a function that needs it is used.
Read any function with `utils.save_array??` in Jupyter.
"""
import importlib

# public name -> module that defines it
_EXPORTS = {
    # config: where things live and how big a run is
    "profile": "config", "is_quick": "config", "pick": "config",
    "repo_root": "config", "data_root": "config", "build_root": "config",
    "headline": "config", "seed_everything": "config",
    # arrays: bcolz persistence and encoding
    "save_array": "arrays", "load_array": "arrays", "ArrayWriter": "arrays",
    "onehot": "arrays",
    # plots
    "plots": "plots", "plot_confusion_matrix": "plots",
    "animate_line_fit": "plots", "plot_history": "plots",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'utils' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"utils.{module_name}"), name)
    globals()[name] = value  # cache: later lookups skip __getattr__
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
