#!/usr/bin/env python3
"""Writes a WARC file as Common Crawl's CC-NEWS does: one gzip member per
record, a warcinfo record, then for each page a request and a response
record (HTTP headers + HTML).

    python3 bench/extract/make_warc.py OUT.warc.gz URL=PAGE.html...
"""
import gzip
import hashlib
import sys
import uuid


def record(kind, uri, block, content_type, date="2024-03-01T12:00:00Z"):
    rid = uuid.UUID(hashlib.md5((kind + (uri or "")).encode()).hexdigest())
    head = (
        "WARC/1.0\r\n"
        f"WARC-Type: {kind}\r\n"
        + (f"WARC-Target-URI: {uri}\r\n" if uri else "")
        + f"WARC-Date: {date}\r\n"
        f"WARC-Record-ID: <urn:uuid:{rid}>\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {len(block)}\r\n\r\n"
    ).encode()
    return gzip.compress(head + block + b"\r\n\r\n", mtime=0)


def response(uri, html, charset="utf-8"):
    http = (
        "HTTP/1.1 200 OK\r\n"
        f"Content-Type: text/html; charset={charset}\r\n"
        f"Content-Length: {len(html)}\r\n\r\n"
    ).encode() + html
    req = f"GET {uri.split('/', 3)[-1]} HTTP/1.1\r\nHost: {uri.split('/')[2]}\r\n\r\n".encode()
    return (record("request", uri, req, "application/http; msgtype=request")
            + record("response", uri, http, "application/http; msgtype=response"))


def warcinfo():
    return record("warcinfo", None, b"software: rhetor bench/extract/make_warc.py\r\nformat: WARC File Format 1.0\r\n",
                  "application/warc-fields")


def main():
    out = sys.argv[1]
    with open(out, "wb") as f:
        f.write(warcinfo())
        for arg in sys.argv[2:]:
            uri, path = arg.split("=", 1)
            charset = "utf-8"
            html = open(path, "rb").read()
            head = html[:1024].lower()
            if b"charset=\"windows-1251\"" in head:
                charset = "windows-1251"
            elif b"charset=\"windows-1252\"" in head:
                charset = "windows-1252"
            f.write(response(uri, html, charset))
        # A non-HTML response, skipped and counted by rhetor.
        f.write(record("response", "https://example.org/logo.png",
                       b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n",
                       "application/http; msgtype=response"))


if __name__ == "__main__":
    main()
