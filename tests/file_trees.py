"""Checksums of a folder tree, and file operations that crash on cue: for the tests that prove a
step, interrupted or not, lost, doubled or changed no file."""

import hashlib
from collections import Counter
from pathlib import Path


def checksums(root):
    """{relative path: sha1} of every file under root (links left out: a file counts once)."""
    return {
        str(p.relative_to(root)): hashlib.sha1(p.read_bytes()).hexdigest()
        for p in sorted(Path(root).rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def originals(root):
    """Multiset of checksums of every file outside sample/ (bookkeeping files left out)."""
    return Counter(
        digest
        for path, digest in checksums(root).items()
        if not path.startswith("sample/") and not Path(path).name.startswith(".")
    )


def assert_safe(root, raw_root):
    """Nothing lost or doubled, no image in two splits, sample/ only copies.
    raw_root: the untouched download, or the Counter of its `originals`."""
    expected = raw_root if isinstance(raw_root, Counter) else originals(raw_root)
    assert originals(root) == expected
    places = {}
    for path in checksums(root):
        parts = Path(path).parts
        if parts[0] in ("train", "valid", "test") and path.lower().endswith(".jpg"):
            places.setdefault(Path(path).name, set()).add(parts[0])
    doubled = {name: splits for name, splits in places.items() if len(splits) > 1}
    assert not doubled, f"images in two splits: {doubled}"
    for copy in (root / "sample").rglob("*.jpg") if (root / "sample").is_dir() else []:
        kept = root / copy.relative_to(root / "sample")
        assert kept.read_bytes() == copy.read_bytes(), f"{copy} is not a copy of {kept}"


def failing_after(k, real, done, error=OSError):
    """`real` (a file operation) that raises `error` once `done` holds k calls' first arguments.

    Pass one `done` list to several operations (moves and copies) to count them together."""

    def operation(first, *rest):
        if len(done) == k:
            raise error(f"simulated crash after {k} file operations")
        done.append(first)
        return real(first, *rest)

    return operation
