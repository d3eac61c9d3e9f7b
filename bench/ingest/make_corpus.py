#!/usr/bin/env python3
"""Builds the ingest benchmark corpus from the SemEval articles in
../shared (never committed): N distinct articles (the SemEval texts, cycled,
each copy with its own title so every content hash differs) as

  OUT/corpus.jsonl    JSON Lines records with url, source, published
  OUT/corpus.warc.gz  the same articles as HTML pages in CC-NEWS layout
                      (one gzip member per record; request + response
                      records, as Common Crawl writes them)

    python3 bench/ingest/make_corpus.py DATA_DIR OUT_DIR [N]
"""
import glob
import gzip
import html
import json
import os
import sys

SITES = ["The Coastal Ledger", "Rheinische Abendpost", "Le Courrier du Matin", "Gazzetta del Litorale",
         "Gazeta Nadwiślańska", "Вечерний Вестник"]


def articles(data):
    files = sorted(glob.glob(os.path.join(data, "*", "*articles*", "*.txt")))
    if not files:
        sys.exit(f"no SemEval articles under {data}")
    for f in files:
        lines = open(f, encoding="utf-8").read().split("\n")
        title = lines[0].strip()
        body = [l.strip() for l in lines[1:] if l.strip()]
        if body:
            yield title, body


def page(title, body, site, url, date):
    paras = "\n".join(f"<p>{html.escape(p)}</p>" for p in body)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(title)} | {site}</title>
<meta property="og:site_name" content="{site}"><meta property="article:published_time" content="{date}">
<link rel="canonical" href="{url}"></head>
<body><div class="cookie-banner"><p>We use cookies to improve your experience. Accept all or manage settings.</p></div>
<nav><ul><li><a href="/">Home</a></li><li><a href="/politics">Politics</a></li><li><a href="/world">World</a></li></ul></nav>
<main><article><h1>{html.escape(title)}</h1><div class="byline">By Staff Reporter</div>
{paras}
</article><aside class="related"><h3>Related</h3><ul><li><a href="/r1">Another story about the same topic</a></li></ul></aside></main>
<footer><p>© {site}</p></footer></body></html>""".encode()


def warc_record(kind, uri, block, ctype, date):
    head = (f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\nWARC-Date: {date}\r\n"
            f"Content-Type: {ctype}\r\nContent-Length: {len(block)}\r\n\r\n").encode()
    return gzip.compress(head + block + b"\r\n\r\n", compresslevel=6, mtime=0)


def main():
    data, out = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 20000
    os.makedirs(out, exist_ok=True)
    base = list(articles(data))
    with open(os.path.join(out, "corpus.jsonl"), "w", encoding="utf-8") as jl, \
            open(os.path.join(out, "corpus.warc.gz"), "wb") as warc:
        for i in range(n):
            title, body = base[i % len(base)]
            title = f"{title} ({i // len(base) + 1})" if i >= len(base) else title
            site = SITES[i % len(SITES)]
            url = f"https://news{i % len(SITES)}.example/a/{i}"
            date = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00Z"
            jl.write(json.dumps({"id": f"a{i}", "title": title, "text": "\n".join(body), "url": url,
                                 "source": site, "published": date}, ensure_ascii=False) + "\n")
            p = page(title, body, site, url, date)
            http = (f"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {len(p)}\r\n\r\n").encode() + p
            req = f"GET /a/{i} HTTP/1.1\r\nHost: news.example\r\n\r\n".encode()
            warc.write(warc_record("request", url, req, "application/http; msgtype=request", date))
            warc.write(warc_record("response", url, http, "application/http; msgtype=response", date))
    print(f"{n} articles from {len(base)} SemEval texts in {out}")


if __name__ == "__main__":
    main()
