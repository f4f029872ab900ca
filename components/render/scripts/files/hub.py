#!/usr/bin/env python3
# Lists and downloads the files of one model for weights.sh, with the standard library only, so
# the SGLang image needs nothing extra:
#   hub.py list  <source> <repo> <revision> <s3uri> <manifest.tsv>
#   hub.py fetch <source> <repo> <revision> <s3uri> <dir> <manifest.tsv>
# PARAMS["marker"] is the completion marker's name, which no listed path may take.
# Header (components/render/scripts/weights.ts): marker

import concurrent.futures, contextlib, hashlib, http.client, json, os, sys, time, urllib.parse, urllib.request

CHUNK = 8 << 20
q = urllib.parse.quote


def qall(s):
    # Revision and file path as one URL component each (slashes too).
    return q(s, safe="")


def token(env):
    try:
        with open(os.environ[env]) as f:
            return f.read().strip() or None
    except (KeyError, FileNotFoundError):
        return None


class NoCredentialsAcrossHosts(urllib.request.HTTPRedirectHandler):
    # Hubs redirect large files to a CDN with a signed URL: credentials stay with the hub.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and urllib.parse.urlsplit(newurl).netloc != urllib.parse.urlsplit(req.full_url).netloc:
            for h in ("Authorization", "Cookie"):
                new.remove_header(h)
        return new


OPENER = urllib.request.build_opener(NoCredentialsAcrossHosts)


def get_json(url, headers):
    with OPENER.open(urllib.request.Request(url, headers=headers), timeout=60) as r:
        return json.load(r)


class Http:
    def __init__(self, source, repo, rev):
        if source == "huggingface":
            ep = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
            tok = token("HF_TOKEN_FILE")
            self.headers = {"Authorization": "Bearer " + tok} if tok else {}
            self.list_url = f"{ep}/api/models/{repo}/revision/{qall(rev)}?blobs=true"
            self.file_url = lambda p: f"{ep}/{repo}/resolve/{qall(rev)}/{q(p)}"
        else:
            ep = os.environ.get("MODELSCOPE_ENDPOINT", "https://www.modelscope.cn").rstrip("/")
            tok = token("MODELSCOPE_TOKEN_FILE")
            self.headers = {"Cookie": "m_session_id=" + tok} if tok else {}
            self.list_url = f"{ep}/api/v1/models/{repo}/repo/files?Revision={qall(rev)}&Recursive=true"
            self.file_url = lambda p: f"{ep}/api/v1/models/{repo}/repo?Revision={qall(rev)}&FilePath={qall(p)}"
        self.source = source

    def listing(self):
        d = get_json(self.list_url, self.headers)
        if self.source == "huggingface":
            return [(s["rfilename"], int(s["size"]), "sha256:" + s["lfs"]["sha256"] if s.get("lfs") else "gitsha1:" + s["blobId"]) for s in d["siblings"]]
        if not isinstance(d.get("Data"), dict):
            raise RuntimeError(f"unexpected ModelScope answer: {str(d)[:200]}")
        return [(f["Path"], int(f["Size"]), "sha256:" + f["Sha256"] if f.get("Sha256") else "-") for f in d["Data"]["Files"] if f.get("Type") != "tree"]

    def open_from(self, path, offset):
        headers = dict(self.headers)
        if offset:
            headers["Range"] = f"bytes={offset}-"
        r = OPENER.open(urllib.request.Request(self.file_url(path), headers=headers), timeout=60)
        return r, r.status == 206


class S3:
    def __init__(self, uri):
        import boto3
        bucket, _, prefix = uri[len("s3://"):].partition("/")
        self.bucket, self.prefix, self.client = bucket, prefix, boto3.client("s3")

    def listing(self):
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        # S3 ETags are not content hashes for multipart uploads: sizes only.
        return [(o["Key"][len(self.prefix):], o["Size"], "-") for p in pages for o in p.get("Contents", []) if not o["Key"].endswith("/")]

    def open_from(self, path, offset):
        extra = {"Range": f"bytes={offset}-"} if offset else {}
        r = self.client.get_object(Bucket=self.bucket, Key=self.prefix + path, **extra)
        return r["Body"], bool(offset)


def safe(path):
    parts = path.split("/")
    if not path or path.startswith("/") or any(p in ("", ".", "..") for p in parts) or parts[0] in (".partial", PARAMS["marker"]) or "\t" in path or "\n" in path:
        raise RuntimeError(f"refusing unsafe path from the listing: {path!r}")
    return path


def digest(path, want):
    kind = want.split(":", 1)[0]
    h = hashlib.sha256() if kind == "sha256" else hashlib.sha1()
    if kind == "gitsha1":
        h.update(b"blob %d\0" % os.path.getsize(path))
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return f"{kind}:{h.hexdigest()}"


def fetch_file(src, dest, size, want, path):
    final = os.path.join(dest, path)
    if os.path.isfile(final) and os.path.getsize(final) == size:
        # A file of the right size may still be another revision: compare content when the source gives a hash.
        if want == "-" or digest(final, want) == want:
            return
        print(f"qwen-weights: {path}: content differs from this revision; fetching again", file=sys.stderr)
        os.remove(final)
    part = os.path.join(dest, ".partial", path)
    os.makedirs(os.path.dirname(part), exist_ok=True)
    os.makedirs(os.path.dirname(final), exist_ok=True)
    have = os.path.getsize(part) if os.path.isfile(part) else 0
    if have > size:
        os.remove(part)
        have = 0
    if have < size:
        print(f"qwen-weights: {path}: {size} bytes" + (f", resuming at {have}" if have else ""), file=sys.stderr)
        body, resumed = src.open_from(path, have)
        with contextlib.closing(body), open(part, "ab" if resumed else "wb") as f:
            while True:
                chunk = body.read(CHUNK)
                if not chunk:
                    break
                f.write(chunk)
    else:
        open(part, "ab").close()
    got = os.path.getsize(part)
    if got != size:
        raise RuntimeError(f"{path}: have {got} of {size} bytes")
    if want != "-" and digest(part, want) != want:
        os.remove(part)
        raise RuntimeError(f"{path}: content does not match {want}")
    # On disk before it is in place: the completion marker must never outlive the data after a power cut.
    with open(part, "rb") as f:
        os.fsync(f.fileno())
    os.replace(part, final)


def fetch_one(src, dest, size, want, path, attempts, delay):
    # Retried per file: the back-off doubles while tries make no progress and starts over whenever
    # the partial file grew, so a slow but moving download is never given up.
    part = os.path.join(dest, ".partial", path)
    have = lambda: os.path.getsize(part) if os.path.isfile(part) else 0
    stalled = 0
    while True:
        before = have()
        try:
            return fetch_file(src, dest, size, want, path)
        except (OSError, RuntimeError, ValueError, http.client.HTTPException) as e:
            stalled = 1 if have() > before else stalled + 1
            if stalled >= attempts:
                raise RuntimeError(f"{path}: {e} ({attempts} tries in a row without progress)")
            wait = min(delay * 2 ** (stalled - 1), 300)
            print(f"qwen-weights: {path}: {e}; retrying in {wait:g}s", file=sys.stderr)
            time.sleep(wait)


def fetch(src, dest, manifest):
    with open(manifest) as m:
        entries = [line.rstrip("\n").split("\t", 2) for line in m]
    workers = int(os.environ.get("WEIGHTS_PARALLEL", "8"))
    attempts = int(os.environ.get("WEIGHTS_ATTEMPTS", "5"))
    delay = float(os.environ.get("WEIGHTS_RETRY_DELAY", "10"))
    # Several files at once (a hub or CDN paces each connection); the largest start first.
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        jobs = [pool.submit(fetch_one, src, dest, int(size), want, path, attempts, delay) for size, want, path in sorted(entries, key=lambda e: -int(e[0]))]
        errors = [str(j.exception()) for j in jobs if j.exception()]
    for dirpath, _, _ in os.walk(dest):
        fd = os.open(dirpath, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
    if errors:
        raise RuntimeError(f"{len(errors)} of {len(entries)} files failed: " + "; ".join(errors[:3]))


def main():
    op, source, repo, rev, s3uri, *rest = sys.argv[1:]
    src = S3(s3uri) if source == "s3" else Http(source, repo, rev)
    if op == "list":
        files = [(safe(p), s, h) for p, s, h in src.listing()]
        if not files:
            raise RuntimeError(f"{source} lists no files for {repo} at {rev}")
        tmp = rest[0] + ".tmp"
        with open(tmp, "w") as out:
            out.writelines(f"{s}\t{h}\t{p}\n" for p, s, h in sorted(files))
        os.replace(tmp, rest[0])
    else:
        fetch(src, rest[0], rest[1])


try:
    main()
except (OSError, RuntimeError, ValueError, KeyError, http.client.HTTPException) as e:
    print(f"qwen-weights: {e}", file=sys.stderr)
    sys.exit(1)
