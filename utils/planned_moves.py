"""A preparation's plan of file moves and copies, carried out so that no file is ever lost.

The plan is written to a manifest (MANIFEST_NAME, atomically and synced to disk) before
anything moves; a run that is interrupted is finished by the next one, which skips what
is done. A move is one rename (the file is in one place or the other), a copy goes via a
temporary name, nothing is deleted, and read-only folders are found before the first move.
"""

import json
import os
import shutil

from utils.files import atomic_path, progress

MANIFEST_NAME = ".prepare-manifest.json"


def carry_out(root, manifest):
    for source, target in progress(manifest["moves"], f"{root.name}: moving"):
        move_file(root / source, root / target)
    for source, target in progress(manifest["copies"], f"{root.name}: sample copies"):
        copy_file(root / source, root / target)


def move_file(source, target):
    """Move one file; a move already done by an earlier run is skipped."""
    if target.exists():
        if source.exists():
            raise FileExistsError(
                f"both {source} and {target} exist; the plan says to move "
                "the first to the second. Sort them out by hand."
            )
        return
    if not source.exists():
        raise FileNotFoundError(
            f"{source} should move to {target} but is in neither place; "
            "was it moved or deleted by something else?"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    os.rename(source, target)  # atomic on one file system: the file is in one place or the other


def copy_file(source, target):
    """Copy via a temporary name, so a half-copied file never looks finished."""
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as partial:
        shutil.copy2(source, partial)


def check_writable(root, manifest):
    """Fail before the first move if any folder we must change is read-only."""
    folders = {root} | {(root / source).parent for source, _ in manifest["moves"]}
    for _, target in manifest["moves"] + manifest["copies"]:
        folder = (root / target).parent
        while not folder.exists():
            folder = folder.parent
        folders.add(folder)
    read_only = sorted(str(folder) for folder in folders if not os.access(folder, os.W_OK))
    if read_only:
        raise PermissionError(
            f"can't prepare {root}: these folders are read-only: {read_only}. "
            "Nothing was moved. Copy the data somewhere writable, or make "
            "them writable, and run again."
        )


def read_manifest(root):
    path = root / MANIFEST_NAME
    return json.loads(path.read_text()) if path.is_file() else None


def write_manifest(root, manifest):
    """Write atomically and to disk, so a crash leaves the old or the new manifest."""
    with atomic_path(root / MANIFEST_NAME) as partial, open(partial, "w") as handle:
        json.dump(manifest, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())


def check_same_settings(root, recorded, asked):
    if recorded != asked:
        changed = {
            key: (recorded.get(key), asked.get(key))
            for key in set(recorded) | set(asked)
            if recorded.get(key) != asked.get(key)
        }
        details = ", ".join(f"{key}: was {old!r}, now {new!r}" for key, (old, new) in changed.items())
        raise ValueError(
            f"{root} was already split with other settings ({details}). Re-splitting would mix "
            f"two splits, so nothing was changed. Leave those settings out (the recorded "
            f"ones are the default), "
            f"see {root / MANIFEST_NAME}, or start again from a fresh download."
        )
