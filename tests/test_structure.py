"""The shape of the code: one home per concept, dependencies one way, a readable Vgg16."""

import ast
import json
from pathlib import Path

import pytest

import utils

ROOT = Path(__file__).resolve().parent.parent
OUR_PYTHON = sorted(p for folder in ("utils", "tools", "bench") for p in (ROOT / folder).glob("*.py"))
# the modules at the bottom of the library: they import nothing of ours
BASE_MODULES = [
    "files",
    "arrays",
    "labels",
    "imagenet",
    "images",
    "epochs",
    "sharding",
    "quiet_keras",
    "torch_checkpoint",
    "synthetic_pictures",
    "synthetic_shapes",
    "kaggle_account",
]


def tree(path):
    return ast.parse(path.read_text(), filename=str(path))


def our_imports(path):
    """The `utils.*` modules a file imports (at any depth of the file)."""
    found = set()
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("utils"):
            found.add(node.module)
            found.update(f"utils.{alias.name}" for alias in node.names if node.module == "utils")
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("utils"))
    return found


@pytest.mark.parametrize("module", BASE_MODULES)
def test_base_modules_import_nothing_of_ours(module):
    assert our_imports(ROOT / "utils" / f"{module}.py") == set()


def test_utils_imports_none_of_tools_bench_tests_or_notebooks():
    for path in (ROOT / "utils").glob("*.py"):
        for node in ast.walk(tree(path)):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            for name in names:
                assert name.split(".")[0] not in ("tools", "bench", "tests"), f"{path.name}: {name}"


# Each of these is defined once, in the module named; a second definition is drift.
ONE_HOME = {
    "IMAGE_EXTENSIONS =": ("the image-file extensions", "files"),
    '".jpg", ".jpeg"': ("the image-file extensions", "files"),
    "STATEFARM_CLASSES =": ("State Farm's class names", "files"),
    'f"c{i}" for i in range(10)': ("State Farm's class names", "files"),
    '"texting, right hand"': ("State Farm's class meanings", "files"),
    "DOGSCATS_CLASSES =": ("Dogs vs Cats's class names", "files"),
    '("cats", "dogs")': ("Dogs vs Cats's class names", "files"),
    "from tqdm": ("the progress bar", "files"),
    "os.replace(": ("the atomic write", "files"),
    '"untrained weights"': ("the untrained-weights caveat", "provenance"),
    '"generated data"': ("the generated-data caveat", "provenance"),
    '"URL fetch failure"': ("the offline-fallback rule", "provenance"),
    '"NOTE: "': ("the NOTE format", "provenance"),
    "ImageOps": ("reading an image upright", "images"),
    "1e-3 * variance": ("the head's standardizing rule", "features"),
    "def best_epoch": ("the best-epoch rule", "epochs"),
}


@pytest.mark.parametrize("text", sorted(ONE_HOME))
def test_each_shared_thing_has_one_definition(text):
    homes = [p.relative_to(ROOT).as_posix() for p in OUR_PYTHON if text in p.read_text()]
    what, home = ONE_HOME[text]
    assert homes == [f"utils/{home}.py"], f"{what} ({text}) is defined in {homes}"


def notebook_code(path):
    cells = json.loads(path.read_text())["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


def test_no_notebook_imports_a_utils_submodule():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for source in notebook_code(path):
            module = ast.parse(
                "\n".join(l for l in source.splitlines() if not l.lstrip().startswith(("%", "!")))
            )
            assert our_imports_of(module) <= {"utils"}, f"{path.name}: {our_imports_of(module)}"


def our_imports_of(module):
    found = set()
    for node in ast.walk(module):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("utils"):
            found.add(node.module if node.module != "utils" else "utils.<name>")
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("utils"))
    return found


def classes_of(path):
    return {n.name: n for n in tree(path).body if isinstance(n, ast.ClassDef)}


def test_the_lessons_verbs_live_once_and_each_network_is_a_thin_subclass():
    verbs = set()
    for node in classes_of(ROOT / "utils" / "classifier.py").values():
        verbs |= {f.name for f in node.body if isinstance(f, ast.FunctionDef)}
    lesson = {"predict", "finetune", "fit", "evaluate", "test", "compute_features", "fit_head"}
    assert lesson | {"set_trainable", "save_trained_weights", "load_trained_weights"} <= verbs
    assert "load_best_checkpoint" in verbs
    for name, network in classes_of(ROOT / "utils" / "models.py").items():
        assert [ast.unparse(base) for base in network.bases] == ["ImageNetClassifier"], name
        assert network.end_lineno - network.lineno + 1 <= 30, f"{name} is not a thin subclass"


def sizes(kind):
    for path in sorted((ROOT / "utils").glob("*.py")):
        for node in ast.walk(tree(path)):
            if isinstance(node, kind):
                yield f"{path.name}:{node.name}", node.end_lineno - node.lineno + 1


def test_modules_functions_and_classes_stay_short_enough_to_read():
    modules = {p.name: len(p.read_text().splitlines()) for p in (ROOT / "utils").glob("*.py")}
    too_long = {name for name, n in modules.items() if n > 350}
    too_long |= {name for name, n in sizes((ast.FunctionDef, ast.AsyncFunctionDef)) if n > 40}
    too_long |= {name for name, n in sizes(ast.ClassDef) if n > 150}
    assert too_long == set(), "over 350 lines a module, 40 a function or 150 a class"


def test_the_export_list_imports_each_name_once_from_a_utils_module():
    """utils._EXPORTS is read from the TYPE_CHECKING imports: a name listed twice would silently win once."""
    init = tree(ROOT / "utils" / "__init__.py")
    [block] = [n for n in init.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"]
    assert all(isinstance(node, ast.ImportFrom) and node.module.startswith("utils.") for node in block.body)
    names = [alias.name for node in block.body for alias in node.names]
    assert len(names) == len(set(names)) == len(utils._EXPORTS)


def test_readme_module_table_lists_every_module_after_what_it_imports():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### The library, one module per concept") :].split("\n\n")
    table = next(part for part in section if part.startswith("| module"))
    cells = [[cell.strip() for cell in line.split("|")[1:-1]] for line in table.splitlines()[2:]]
    listed = [cell[0].strip("`") for cell in cells]
    assert sorted(listed) == sorted(p.stem for p in (ROOT / "utils").glob("*.py") if p.stem != "__init__")
    for position, (module, said) in enumerate(zip(listed, (cell[-1] for cell in cells))):
        imported = {
            name.split(".")[1]
            for name in our_imports(ROOT / "utils" / f"{module}.py")
            if name.count(".") == 1
        }
        assert imported <= set(listed[:position]), f"{module} imports {imported - set(listed[:position])}"
        assert said == (", ".join(f"`{name}`" for name in sorted(imported)) or "none"), module
