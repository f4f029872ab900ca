// A local stand-in for the Hugging Face and ModelScope file APIs the weights script talks to,
// serving small generated repositories from memory on 127.0.0.1 and recording every request.
import { createHash } from "crypto";
import * as http from "http";
import { AddressInfo } from "net";

/** As HF lists them: LFS files (weights) carry sha256, the rest their git blob id. */
function hfSibling(rfilename: string, b: Buffer) {
  const blobId = createHash("sha1").update(`blob ${b.length}\0`).update(b).digest("hex");
  return rfilename.endsWith(".safetensors")
    ? { rfilename, size: b.length, blobId, lfs: { sha256: createHash("sha256").update(b).digest("hex"), size: b.length, pointerSize: 134 } }
    : { rfilename, size: b.length, blobId };
}

export interface HubRequest {
  readonly host: string;
  readonly path: string;
  readonly authorization?: string;
  readonly cookie?: string;
  readonly range?: string;
}

export interface FakeRepo {
  revision: string;
  files: Record<string, Buffer>;
}

export class FakeHub {
  readonly requests: HubRequest[] = [];
  /** repo id -> its files at one revision. */
  readonly repos = new Map<string, FakeRepo>();
  /** Paths whose next N responses stop after half the bytes (a dropped connection). */
  readonly cutNext = new Map<string, number>();
  /** Paths always served short by this many bytes, with a matching Content-Length. */
  readonly shortBy = new Map<string, number>();
  /** When set, HF file downloads redirect to this other host name (as a CDN would). */
  cdnHost?: string;
  private server?: http.Server;
  port = 0;

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Requests that fetched file bytes (not listings). */
  fileRequests(): HubRequest[] {
    return this.requests.filter((r) => r.path.includes("/resolve/") || r.path.startsWith("/cdn/") || r.path.includes("/repo?"));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
    this.requests.push({ host: req.headers.host ?? "", path: `${url.pathname}${url.search}`, authorization: req.headers.authorization, cookie: req.headers.cookie, range: req.headers.range });
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    let m: RegExpExecArray | null;
    // Hugging Face: listing with sizes, then /resolve/.
    if ((m = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(url.pathname))) {
      const repo = this.at(m[1], decodeURIComponent(m[2]));
      if (!repo || url.searchParams.get("blobs") !== "true") return json(404, { error: "Revision Not Found" });
      return json(200, { id: m[1], sha: repo.revision, siblings: Object.entries(repo.files).map(([rfilename, b]) => hfSibling(rfilename, b)) });
    }
    if ((m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname))) {
      const repo = this.at(m[1], decodeURIComponent(m[2]));
      const file = decodeURIComponent(m[3]);
      if (!repo || !(file in repo.files)) return json(404, { error: "Entry not found" });
      if (this.cdnHost) {
        res.writeHead(302, { location: `http://${this.cdnHost}:${this.port}/cdn/${m[1]}/${repo.revision}/${encodeURIComponent(file)}` });
        return void res.end();
      }
      return this.serve(file, repo.files[file], req, res);
    }
    if ((m = /^\/cdn\/([^/]+\/[^/]+)\/([^/]+)\/(.+)$/.exec(url.pathname))) {
      const repo = this.at(m[1], m[2]);
      const file = decodeURIComponent(m[3]);
      if (!repo || !(file in repo.files)) return json(404, {});
      return this.serve(file, repo.files[file], req, res);
    }
    // ModelScope: /repo/files listing, then /repo?FilePath=.
    if ((m = /^\/api\/v1\/models\/([^/]+\/[^/]+)\/repo\/files$/.exec(url.pathname))) {
      const repo = this.at(m[1], url.searchParams.get("Revision") ?? "");
      if (!repo || url.searchParams.get("Recursive") !== "true") return json(200, { Code: 10010205001, Message: "revision not found", Success: false });
      const dirs = [
        ...new Set(
          Object.keys(repo.files)
            .filter((f) => f.includes("/"))
            .map((f) => f.slice(0, f.lastIndexOf("/"))),
        ),
      ];
      const files = [
        ...dirs.map((d) => ({ Name: d.split("/").pop(), Path: d, Size: 0, Type: "tree" })),
        ...Object.entries(repo.files).map(([p, b]) => ({
          Name: p.split("/").pop(),
          Path: p,
          Size: b.length,
          Type: "blob",
          Revision: repo.revision,
          Sha256: createHash("sha256").update(b).digest("hex"),
        })),
      ];
      return json(200, { Code: 200, Data: { Files: files }, Success: true });
    }
    if ((m = /^\/api\/v1\/models\/([^/]+\/[^/]+)\/repo$/.exec(url.pathname))) {
      const repo = this.at(m[1], url.searchParams.get("Revision") ?? "");
      const file = url.searchParams.get("FilePath") ?? "";
      if (!repo || !(file in repo.files)) return json(404, { Code: 404 });
      return this.serve(file, repo.files[file], req, res);
    }
    json(404, { error: "no such route" });
  }

  private at(repoId: string, revision: string): FakeRepo | undefined {
    const repo = this.repos.get(repoId);
    return repo && repo.revision === revision ? repo : undefined;
  }

  private serve(file: string, body: Buffer, req: http.IncomingMessage, res: http.ServerResponse): void {
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const start = range ? Number(range[1]) : 0;
    let bytes = body.subarray(start);
    const short = this.shortBy.get(file);
    if (short) bytes = bytes.subarray(0, Math.max(0, bytes.length - short));
    const headers = { "content-type": "application/octet-stream", "content-length": String(bytes.length), ...(range ? { "content-range": `bytes ${start}-${body.length - 1}/${body.length}` } : {}) };
    res.writeHead(range ? 206 : 200, headers);
    const cuts = this.cutNext.get(file) ?? 0;
    if (cuts > 0) {
      this.cutNext.set(file, cuts - 1);
      // Send half, then drop the connection mid-body.
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.destroy());
      return;
    }
    res.end(bytes);
  }
}
