"""Oversized answers go to S3: streamed (multipart through boto3's transfer manager, never the whole
body in memory), private, encrypted, then handed out through a short-lived presigned URL.

boto3 is imported here, on the first overflow, not at start-up.
"""
from __future__ import annotations

import io
import re
import threading
import uuid
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from ..errors import OverflowFailed, ProxyError, describe_aws_error

PART_SIZE = 8 * 1024 * 1024   # S3's minimum part is 5 MiB; 8 MiB keeps part counts low for 1 GiB
CONCURRENCY = 1               # parts in flight: memory stays about (CONCURRENCY + 1) x PART_SIZE
S3_TIMEOUT = 30               # seconds to connect/read before S3 is declared unreachable or slow
_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,10})$")


@dataclass(frozen=True)
class Stored:
    key: str
    size: int
    url: str


def object_key(prefix: str, request_path: str) -> str:
    """prefix + a random UUID (+ the request's extension, e.g. `.json`, when it has one)."""
    last = request_path.rstrip("/").rsplit("/", 1)[-1]
    m = _EXTENSION.search(last)
    return f"{prefix}{uuid.uuid4()}" + (f".{m.group(1).lower()}" if m else "")


class ChunkReader(io.RawIOBase):
    """A file object over an iterator of byte chunks, as boto3's upload_fileobj wants one; it counts
    what passes through."""

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks: Iterator[bytes] = iter(chunks)
        self._pending = b""
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        self.size += n
        return n


class OverflowStore:
    def __init__(self, bucket: str, prefix: str, expires: int):
        self.bucket = bucket
        self.prefix = prefix
        self.expires = expires
        self._client: Any = None
        self._lock = threading.Lock()

    def client(self) -> Any:
        """An S3 client in the bucket's own region, signing (and presigning) with SigV4: boto3
        presigns with the legacy version 2 unless told, and buckets made since 2020 refuse it."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    import boto3
                    from botocore.config import Config

                    config = Config(signature_version="s3v4", connect_timeout=min(5, S3_TIMEOUT),
                                    read_timeout=S3_TIMEOUT,
                                    retries={"max_attempts": 3, "mode": "standard"})
                    probe = boto3.client("s3", config=config)
                    region = _bucket_region(probe, self.bucket) or probe.meta.region_name
                    self._client = boto3.client("s3", region_name=region, config=config)
        return self._client

    def put(self, chunks: Iterable[bytes], request_path: str, content_type: str | None,
            content_encoding: str | None) -> Stored:
        from boto3.s3.transfer import TransferConfig

        key = object_key(self.prefix, request_path)
        # No ACL: the object is the bucket owner's alone (the original used authenticated-read, which
        # any AWS account can read). Encrypted at rest with S3-managed keys.
        extra = {"ServerSideEncryption": "AES256"}
        if content_type:
            extra["ContentType"] = content_type
        if content_encoding:
            extra["ContentEncoding"] = content_encoding
        reader = ChunkReader(chunks)
        # Buffered: read(n) then returns n bytes unless the body ends, so every part but the last
        # has the full part size (S3 refuses parts under 5 MiB). At most CONCURRENCY parts are read
        # ahead of the uploads (s3transfer would otherwise hold up to ten).
        stream = io.BufferedReader(reader, buffer_size=1024 * 1024)
        config = TransferConfig(multipart_threshold=PART_SIZE, multipart_chunksize=PART_SIZE,
                                max_concurrency=CONCURRENCY, use_threads=CONCURRENCY > 1)
        config.max_in_memory_upload_chunks = CONCURRENCY  # s3transfer's own knob; boto3 does not pass it
        try:
            client = self.client()
            # The transfer manager uploads in parts and aborts the multipart upload if any part fails.
            client.upload_fileobj(stream, self.bucket, key, ExtraArgs=extra, Config=config)
            url = client.generate_presigned_url("get_object", Params={"Bucket": self.bucket, "Key": key},
                                                ExpiresIn=self.expires)
        except ProxyError:
            raise
        except Exception as e:
            raise OverflowFailed(
                f"the answer was too large for Lambda and storing it in s3://{self.bucket} failed: "
                f"{describe_aws_error(e)}",
                hint="check that the bucket exists and the proxy's role may s3:PutObject under "
                f"{self.prefix!r} (see `access-es bucket setup`)",
            ) from e
        return Stored(key, reader.size, url)


def _bucket_region(client: Any, bucket: str) -> str | None:
    try:
        head = client.head_bucket(Bucket=bucket)
        return head.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("x-amz-bucket-region")
    except Exception as e:  # a 301/403 still tells the region in its headers
        return getattr(e, "response", {}).get("ResponseMetadata", {}).get("HTTPHeaders", {}).get(
            "x-amz-bucket-region")

