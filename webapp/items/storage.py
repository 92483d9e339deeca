"""Document files addressed by content, `<aa>/<sha256>`: in a local folder (one host) or in an S3-compatible bucket
(any number of hosts), as DOCUMENT_STORAGE_URL says.

Keys come only from the sha256 we computed (never from the uploaded name), so a file name cannot steer where a file
lands; the same content uploaded twice, or to two businesses, is one file. Every failure to keep or give back a
document is an OSError naming where it looked, whichever the store."""
import base64
import errno
import hashlib
import io
import logging
import os
import re
import tempfile
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from flask import current_app

log = logging.getLogger(__name__)
KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{64}$")
PROBE = b"docket"
# A few seconds to connect and a few tries, not boto3's minute: /readyz and a waiting publish ask the store.
S3_CONFIG = Config(connect_timeout=5, read_timeout=30, retries={"mode": "standard", "max_attempts": 3})


class StorageError(OSError):
    """The store can't keep or give back a document: missing, changed since it was saved, or out of reach. An
    OSError, as a local file's failures are, so callers handle both stores alike."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status  # the HTTP status S3 answered with, if it answered


def key_for(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256}"


def save(sha256: str, data: bytes) -> str:
    key = key_for(sha256)
    _store().save(_checked(key), data)
    return key


def exists(key: str) -> bool:
    return _store().exists(_checked(key))


def read(key: str) -> bytes:
    return _store().read(_checked(key))


def file_for(key: str) -> Path | io.BytesIO:
    """What `send_file` serves: the file itself from a folder, the checked bytes from a bucket."""
    store = _store()
    if isinstance(store, Folder):
        path = store.path_for(_checked(key))
        if not path.is_file():
            raise FileNotFoundError(errno.ENOENT, "no such document file", str(path))
        return path
    return io.BytesIO(store.read(_checked(key)))


def is_missing(error: OSError) -> bool:
    """The store answered that it has no such document (rather than failing to answer, or holding another)."""
    return isinstance(error, FileNotFoundError) or getattr(error, "status", None) == 404


def check_writable() -> None:
    """Write, read back and remove a small probe in the store; OSError when this process can't."""
    _store().check_writable()


def location() -> str:
    """Where documents are kept, in words for logs and /readyz (never a credential)."""
    return _store().location


def root() -> Path:
    """The local folder (DOCUMENT_STORAGE_PATH), whichever store is chosen."""
    return Path(current_app.config["DOCUMENT_STORAGE_PATH"])


def check_at_start() -> None:
    """Say in one log line where this process keeps documents and that it can write and read them there."""
    try:
        check_writable()
    except OSError as error:
        raise StorageError(f"documents {unwritable(error)}") from error
    log.info("documents are kept at %s: written and read back", location())


def unwritable(error: OSError) -> str:
    """What check_writable's failure means, for the start-up line and /readyz."""
    return f"can't be written and read back at {location()}: {error.strerror or error}"


def _checked(key: str) -> str:
    """Refuses anything that isn't a key this module made."""
    if not KEY.match(key):
        raise ValueError(f"not a document storage key: {key!r}")
    return key


def _store():
    url = current_app.config.get("DOCUMENT_STORAGE_URL", "")
    if url.startswith("s3://"):
        return Bucket(url, current_app.config.get("S3_ENDPOINT_URL", ""))
    return Folder(root())


class Folder:
    """Files under one folder, written atomically (temp file + fsync + rename), never executable."""

    def __init__(self, path: Path):
        self.root = path
        self.location = str(path)

    def path_for(self, key: str) -> Path:
        return self.root / key

    def save(self, key: str, data: bytes) -> None:
        path = self.path_for(key)
        if path.exists():
            return
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

    def exists(self, key: str) -> bool:
        return self.path_for(key).is_file()

    def read(self, key: str) -> bytes:
        return self.path_for(key).read_bytes()

    def check_writable(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.root, prefix=".check-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(PROBE)
            if Path(name).read_bytes() != PROBE:
                raise OSError(f"{name} read back differently")
        finally:
            Path(name).unlink(missing_ok=True)


class Bucket:
    """Objects in an S3-compatible bucket, `s3://bucket/prefix`: each put with its SHA-256 for the server to check
    and keep, and read back only when both the server's checksum and the bytes' own hash match the key's sha256."""

    def __init__(self, url: str, endpoint: str):
        parts = urlsplit(url)
        self.bucket, self.prefix = parts.netloc, parts.path.strip("/")
        self.location = url.rstrip("/") + (f" at {endpoint}" if endpoint else "")
        self.client = _client(endpoint)

    def save(self, key: str, data: bytes) -> None:
        if self.exists(key):
            return
        with self._answering(key, "written"):
            self._put(key, data)

    def exists(self, key: str) -> bool:
        try:
            with self._answering(key, "looked up"):
                self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except StorageError as error:
            if error.status == 404:
                return False
            raise
        return True

    def read(self, key: str) -> bytes:
        with self._answering(key, "read"):
            answer = self.client.get_object(Bucket=self.bucket, Key=self._name(key), ChecksumMode="ENABLED")
            data = answer["Body"].read()
        expected = key.rsplit("/", 1)[1]
        kept = answer.get("ChecksumSHA256")  # absent on a server that keeps no SHA-256 for it
        if hashlib.sha256(data).hexdigest() != expected or kept not in (None, _base64(expected)):
            raise StorageError(f"{self._address(key)} doesn't hold the document saved under that name "
                               "(its SHA-256 differs): it was changed or damaged in the bucket")
        return data

    def check_writable(self) -> None:
        probe = f".check/{uuid.uuid4().hex}"
        with self._answering(probe, "written, read back and removed"):
            self._put(probe, PROBE)  # as a document is put: a server refusing its checksum fails here
            try:
                answer = self.client.get_object(Bucket=self.bucket, Key=self._name(probe))
                if answer["Body"].read() != PROBE:
                    raise StorageError(f"{self._address(probe)} read back differently")
            finally:
                self.client.delete_object(Bucket=self.bucket, Key=self._name(probe))

    def _put(self, key: str, data: bytes) -> None:
        digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data, ChecksumAlgorithm="SHA256",
                               ChecksumSHA256=digest)

    def _name(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _address(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._name(key)}"

    def _answering(self, key: str, done: str):
        return _s3_errors(self._address(key), done)


@contextmanager
def _s3_errors(address: str, done: str):
    """boto3's errors as a StorageError naming the object and the error's kind: S3's error code, or botocore's class
    name (no credentials, no connection...); never their message, which can quote the request."""
    try:
        yield
    except ClientError as error:
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        code = error.response.get("Error", {}).get("Code") or status
        raise StorageError(f"{address} can't be {done}: {code}", status) from None
    except BotoCoreError as error:
        raise StorageError(f"{address} can't be {done}: {type(error).__name__}") from None


_clients: dict[tuple[int, str], object] = {}
_clients_lock = threading.Lock()


def _client(endpoint: str):
    """One boto3 client per process and endpoint (thread-safe once made; RQ's forked work horses make their own),
    its region and credentials from boto3's usual environment variables and files."""
    with _clients_lock:
        made = (os.getpid(), endpoint)
        if made not in _clients:
            _clients[made] = boto3.session.Session().client("s3", endpoint_url=endpoint or None, config=S3_CONFIG)
        return _clients[made]


def _base64(sha256: str) -> str:
    return base64.b64encode(bytes.fromhex(sha256)).decode()
