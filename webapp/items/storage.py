"""Document files on disk, addressed by content: `<root>/<aa>/<sha256>`, written atomically, never executable.

Paths come only from the sha256 we computed (never from the uploaded name), so a file name cannot steer
where a file lands; the same content uploaded twice, or to two businesses, is one file."""
import os
import re
import tempfile
from pathlib import Path

from flask import current_app

KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{64}$")


def root() -> Path:
    return Path(current_app.config["DOCUMENT_STORAGE_PATH"])


def key_for(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256}"


def path_for(key: str) -> Path:
    """The file of a stored key; refuses anything that isn't a key this module made."""
    if not KEY.match(key):
        raise ValueError(f"not a document storage key: {key!r}")
    return root() / key


def save(sha256: str, data: bytes) -> str:
    """Store `data` under its hash (temp file + fsync + rename, so readers never see half a file)."""
    key = key_for(sha256)
    path = path_for(key)
    if path.exists():
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o640)  # readable by the app only, never executable
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return key


def exists(key: str) -> bool:
    return path_for(key).is_file()


def read(key: str) -> bytes:
    return path_for(key).read_bytes()


def check_writable() -> None:
    """Write, read back and remove a small file in the store; OSError when this process can't."""
    root().mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=root(), prefix=".check-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(b"docket")
        if Path(name).read_bytes() != b"docket":
            raise OSError(f"{name} read back differently")
    finally:
        Path(name).unlink(missing_ok=True)
