"""A local S3-compatible server (moto in server mode) for the session, and a fresh bucket per test that the app keeps
its documents in; `bucket.client` reaches the bucket directly, as an operator's tools (or an intruder) would."""
import itertools
from dataclasses import dataclass

import boto3
import pytest
from moto.server import ThreadedMotoServer

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "docket-test-key-id", "AWS_SECRET_ACCESS_KEY": "docket-test-secret-key",
               "AWS_DEFAULT_REGION": "eu-west-2"}
_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def s3_server():
    """The server's address; boto3 finds the credentials in the environment, as in production."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    with pytest.MonkeyPatch.context() as environ:
        for name, value in CREDENTIALS.items():
            environ.setenv(name, value)
        yield f"http://{host}:{port}"
    server.stop()


@dataclass
class Bucket:
    name: str
    url: str  # DOCUMENT_STORAGE_URL
    endpoint: str  # S3_ENDPOINT_URL
    client: object

    def object_names(self) -> list[str]:
        return [entry["Key"] for entry in self.client.list_objects_v2(Bucket=self.name).get("Contents", [])]

    def stored_name(self, sha256: str) -> str:
        return f"documents/{sha256[:2]}/{sha256}"


def new_bucket(s3_server) -> Bucket:
    client = boto3.session.Session().client("s3", endpoint_url=s3_server)
    name = f"docket-test-{next(_numbers)}"
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": CREDENTIALS["AWS_DEFAULT_REGION"]})
    return Bucket(name, f"s3://{name}/documents", s3_server, client)


@pytest.fixture
def bucket(app, s3_server) -> Bucket:
    """An empty bucket the app keeps its documents in, under the `documents/` prefix."""
    made = new_bucket(s3_server)
    app.config.update(DOCUMENT_STORAGE_URL=made.url, S3_ENDPOINT_URL=made.endpoint)
    return made
