"""Recordings in S3-compatible object storage (AWS S3, MinIO, Ceph, R2, …), on httpx.

A small client rather than boto3: four requests (PUT, GET, DELETE an object; list a prefix
with ListObjectsV2), path-style URLs (`<endpoint>/<bucket>/<key>`, which every
S3-compatible server accepts) and AWS Signature Version 4.

Objects are immutable, so appending a piece of audio writes one more object:
`<prefix><recording key>/<time in ns, 20 digits>-<random>.pcm`. Reading lists them (name
order is conversation order) and streams them one after another; deleting removes them all.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

import httpx

from vivavoce.voice.recordings import StoredAudio, check_key

_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


class StorageError(RuntimeError):
    """The object store refused or failed a request."""


def uri_encode(value: str, safe: str = "") -> str:
    return quote(value, safe="-_.~" + safe)


@dataclass(frozen=True)
class SigV4:
    """AWS Signature Version 4 for the `s3` service."""

    access_key_id: str
    secret_access_key: str
    region: str

    def headers(
        self,
        method: str,
        host: str,
        path: str,
        query: Mapping[str, str],
        payload_sha256: str,
        now: datetime,
    ) -> dict[str, str]:
        """The headers that authenticate a request (`path` already URI-encoded)."""
        amz_date = now.strftime("%Y%m%dT%H%M%SZ")
        day = amz_date[:8]
        signed = {"host": host, "x-amz-content-sha256": payload_sha256, "x-amz-date": amz_date}
        canonical_query = "&".join(
            f"{uri_encode(name)}={uri_encode(value)}" for name, value in sorted(query.items())
        )
        names = ";".join(sorted(signed))
        canonical = "\n".join(
            [
                method,
                path,
                canonical_query,
                "".join(f"{name}:{signed[name].strip()}\n" for name in sorted(signed)),
                names,
                payload_sha256,
            ]
        )
        scope = f"{day}/{self.region}/s3/aws4_request"
        to_sign = "\n".join(
            [
                "AWS4-HMAC-SHA256",
                amz_date,
                scope,
                hashlib.sha256(canonical.encode()).hexdigest(),
            ]
        )
        key = f"AWS4{self.secret_access_key}".encode()
        for part in (day, self.region, "s3", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        return {
            "x-amz-content-sha256": payload_sha256,
            "x-amz-date": amz_date,
            "authorization": (
                f"AWS4-HMAC-SHA256 Credential={self.access_key_id}/{scope}, "
                f"SignedHeaders={names}, Signature={signature}"
            ),
        }


class S3RecordingStore:
    """The `RecordingStore` interface on an S3-compatible bucket."""

    def __init__(
        self,
        endpoint: str,
        bucket: str,
        signer: SigV4,
        prefix: str = "",
        timeout: float = 30.0,
        page_size: int = 1000,
    ) -> None:
        parts = urlsplit(endpoint.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("the S3 endpoint must be an http(s) URL")
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._host = parts.netloc
        self._base = parts.path
        self.bucket = bucket
        self.prefix = prefix
        self.signer = signer
        self.timeout = timeout
        self.page_size = page_size  # objects per ListObjectsV2 page (S3's maximum: 1000)

    def _object(self, name: str) -> str:
        return f"{self.prefix}{name}"

    async def _request(
        self,
        client: httpx.AsyncClient,
        method: str,
        name: str | None,
        query: Mapping[str, str] | None = None,
        body: bytes = b"",
        stream: bool = False,
    ) -> httpx.Response:
        query = dict(query or {})
        path = f"{self._base}/{uri_encode(self.bucket)}"
        path += "/" + uri_encode(name, safe="/") if name is not None else "/"
        digest = hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256
        headers = self.signer.headers(method, self._host, path, query, digest, datetime.now(UTC))
        headers["host"] = self._host
        url = self._origin + path
        if query:
            url += "?" + "&".join(
                f"{uri_encode(key)}={uri_encode(value)}" for key, value in sorted(query.items())
            )
        request = client.build_request(method, url, headers=headers, content=body or None)
        try:
            response = await client.send(request, stream=stream)
        except httpx.HTTPError as error:
            raise StorageError(f"object storage unreachable: {error}") from error
        return response

    @staticmethod
    async def _fail(response: httpx.Response, what: str) -> StorageError:
        await response.aread()
        return StorageError(f"{what}: HTTP {response.status_code} {response.text[:300]}")

    async def _list(self, client: httpx.AsyncClient, key: str) -> list[tuple[str, int]]:
        prefix = self._object(key) + "/"
        found: list[tuple[str, int]] = []
        token: str | None = None
        while True:
            query = {"list-type": "2", "prefix": prefix, "max-keys": str(self.page_size)}
            if token:
                query["continuation-token"] = token
            response = await self._request(client, "GET", None, query)
            if response.status_code != 200:
                raise await self._fail(response, "listing a recording failed")
            root = ElementTree.fromstring(response.content)  # noqa: S314 - the operator's own storage; expat (2.4+) limits entity expansion
            for item in root.iter(f"{_NS}Contents"):
                found.append(
                    (item.findtext(f"{_NS}Key", ""), int(item.findtext(f"{_NS}Size", "0")))
                )
            token = root.findtext(f"{_NS}NextContinuationToken")
            if root.findtext(f"{_NS}IsTruncated") != "true" or not token:
                return sorted(found)

    async def append(self, key: str, pcm: bytes) -> None:
        check_key(key)
        piece = f"{self._object(key)}/{time.time_ns():020d}-{secrets.token_hex(4)}.pcm"
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            response = await self._request(client, "PUT", piece, body=pcm)
            if response.status_code != 200:
                raise await self._fail(response, "storing audio failed")

    async def open(self, key: str) -> StoredAudio | None:
        check_key(key)
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            pieces = await self._list(client, key)
        if not pieces:
            return None

        async def chunks() -> AsyncIterator[bytes]:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                for name, _size in pieces:
                    response = await self._request(client, "GET", name, stream=True)
                    try:
                        if response.status_code != 200:
                            raise await self._fail(response, "reading a recording failed")
                        async for chunk in response.aiter_bytes():
                            yield chunk
                    finally:
                        await response.aclose()

        return StoredAudio(size=sum(size for _name, size in pieces), chunks=chunks())

    async def delete(self, key: str) -> None:
        check_key(key)
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            for name, _size in await self._list(client, key):
                response = await self._request(client, "DELETE", name)
                if response.status_code not in (200, 204, 404):
                    raise await self._fail(response, "deleting a recording failed")
