"""Zip archives made in memory, for the download and unpacking tests."""

import io
import zipfile


def zip_bytes(entries):
    """A zip in memory from {name: bytes}."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()
