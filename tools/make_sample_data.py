"""Make sure both datasets exist and are prepared: `make data` runs this.

    python -m tools.make_sample_data            # sizes from COURSE_PROFILE
    python -m tools.make_sample_data --only statefarm

For each competition: if `data/<name>/` holds a real Kaggle download, it is
prepared (train/valid/test/sample). Otherwise a generated stand-in is written
there first, and this says so plainly. Running it again changes nothing.
"""
import argparse
import time
from pathlib import Path

from utils.config import data_root, pick, profile
from utils.prepare import prepare_dogscats, prepare_statefarm, prepared_settings, summarize
from utils.samples import describe_data, generate_dogscats, generate_statefarm, is_generated

# Generated sizes per profile. quick keeps CI fast: every notebook runs on it.
SIZES = {
    "dogscats": {
        "quick": {"generate": {"n_train": 320, "n_test": 40},
                  "prepare": {"n_valid": 80, "n_sample_train": 100, "n_sample_valid": 40,
                              "n_sample_test": 20}},
        "full": {"generate": {"n_train": 4000, "n_test": 500},
                 "prepare": {"n_valid": 1000, "n_sample_train": 200, "n_sample_valid": 100,
                             "n_sample_test": 50}},
    },
    "statefarm": {
        "quick": {"generate": {"n_drivers": 6, "images_per_class": 40, "n_test": 40},
                  "prepare": {"valid_drivers": 2, "n_sample_train": 100, "n_sample_valid": 50,
                              "n_sample_test": 20}},
        "full": {"generate": {"n_drivers": 10, "images_per_class": 150, "n_test": 300},
                 "prepare": {"valid_drivers": 3, "n_sample_train": 500, "n_sample_valid": 200,
                             "n_sample_test": 50}},
    },
}
GENERATORS = {"dogscats": generate_dogscats, "statefarm": generate_statefarm}
PREPARERS = {"dogscats": prepare_dogscats, "statefarm": prepare_statefarm}


def make_dataset(name, root, sizes, real_data_settings=None):
    """Generate `name` at `root` unless real data is there, then prepare it.

    Real data is prepared with the preparation defaults (or real_data_settings);
    a folder prepared before keeps the settings it was prepared with.
    """
    root = Path(root)
    if _holds_real_data(root):
        print(f"{name}: real Kaggle data found at {root}; preparing it.")
        settings = prepared_settings(root) or real_data_settings or {}
    else:
        start = time.perf_counter()
        GENERATORS[name](root, **sizes["generate"])
        print(f"{name}: GENERATED SAMPLE DATA at {root} (not the Kaggle images; "
              f"{time.perf_counter() - start:.1f} s). Download the real data with "
              f"utils.download({name!r}) after moving this folder away.")
        settings = prepared_settings(root) or sizes["prepare"]
    settings = {key: value for key, value in settings.items() if key != "dataset"}
    counts = PREPARERS[name](root, **settings)
    print(summarize(counts))
    return counts


def _holds_real_data(root):
    return root.exists() and any(root.iterdir()) and not is_generated(root)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(SIZES), help="make just this dataset")
    args = parser.parse_args(argv)
    names = [args.only] if args.only else sorted(SIZES)
    start = time.perf_counter()
    for name in names:
        root = data_root() / name
        make_dataset(name, root, pick(quick=SIZES[name]["quick"], full=SIZES[name]["full"]))
        print(describe_data(root))
    print(f"Data ready for profile {profile()!r} in {time.perf_counter() - start:.1f} s.")


if __name__ == "__main__":
    main()
