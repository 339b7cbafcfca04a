// Where an offline recovery reads a repository from: a local copy of the bucket (a directory, as `rclone copy` or
// `aws s3 sync` leave it) or any S3-compatible endpoint (R2's own S3 API included). Each is the small part of the
// R2Bucket interface the repository reader uses: get, head, list.
import { AwsClient } from "aws4fetch";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";

export interface ObjectBody {
  key: string;
  size: number;
  customMetadata?: Record<string, string>;
  arrayBuffer(): Promise<ArrayBuffer>;
  json<T>(): Promise<T>;
  text(): Promise<string>;
}

export interface ReadOnlyBucket {
  get(key: string): Promise<ObjectBody | null>;
  head(key: string): Promise<{ key: string; size: number } | null>;
  list(o: {
    prefix?: string;
    cursor?: string;
    limit?: number;
  }): Promise<{ objects: { key: string; size: number; uploaded: Date }[]; truncated: boolean; cursor?: string }>;
}

function body(key: string, bytes: Uint8Array, customMetadata?: Record<string, string>): ObjectBody {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return {
    key,
    size: bytes.byteLength,
    customMetadata,
    arrayBuffer: async () => ab,
    text: async () => new TextDecoder().decode(bytes),
    json: async () => JSON.parse(new TextDecoder().decode(bytes)),
  };
}

/** A directory holding the bucket's objects as files at their names. */
export class DirectoryBucket implements ReadOnlyBucket {
  private readonly root: string;
  private keys: string[] | null = null;
  constructor(root: string) {
    this.root = resolve(root);
  }

  private path(key: string): string {
    const p = resolve(this.root, ...key.split("/"));
    if (p !== this.root && !p.startsWith(this.root + sep)) throw new Error(`object name ${key} points outside ${this.root}`);
    return p;
  }

  async get(key: string) {
    try {
      return body(key, new Uint8Array(await readFile(this.path(key))));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "EISDIR") return null;
      throw e;
    }
  }

  async head(key: string) {
    try {
      const s = await stat(this.path(key));
      return s.isFile() ? { key, size: s.size } : null;
    } catch {
      return null;
    }
  }

  async list(o: { prefix?: string; cursor?: string; limit?: number }) {
    this.keys ??= (await walk(this.root)).map((f) => relative(this.root, f).split(sep).join("/")).sort(byteOrder);
    const from = o.cursor ? Number(o.cursor) : 0;
    const matching = this.keys.filter((k) => k.startsWith(o.prefix ?? ""));
    const page = matching.slice(from, from + (o.limit ?? 1000));
    const objects = await Promise.all(page.map(async (key) => ({ key, size: (await stat(this.path(key))).size, uploaded: new Date(0) })));
    const truncated = from + page.length < matching.length;
    return { objects, truncated, cursor: truncated ? String(from + page.length) : undefined };
  }
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** R2 lists in UTF-8 byte order; so does this. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** An S3-compatible bucket, read with AWS Signature Version 4 (R2: endpoint https://<account>.r2.cloudflarestorage.com, region auto). */
export class S3Bucket implements ReadOnlyBucket {
  constructor(
    private readonly o: {
      endpoint: string;
      bucket: string;
      region: string;
      accessKeyId: string;
      secretAccessKey: string;
      fetch?: typeof fetch;
    },
  ) {
    const { accessKeyId, secretAccessKey, region } = o;
    this.signer = new AwsClient({ accessKeyId, secretAccessKey, service: "s3", region });
  }

  private readonly signer: AwsClient;

  /** A path-style request (endpoint/bucket/key), signed with Signature Version 4 by aws4fetch. */
  private async request(method: "GET" | "HEAD", key: string, query: Record<string, string> = {}): Promise<Response> {
    const url = new URL(this.o.endpoint);
    const base = url.pathname.replace(/\/$/, "");
    url.pathname = `${base}/${encodeURIComponent(this.o.bucket)}${key ? `/${key.split("/").map(encodeURIComponent).join("/")}` : ""}`;
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return (this.o.fetch ?? fetch)(await this.signer.sign(url.toString(), { method }));
  }

  async get(key: string) {
    const r = await this.request("GET", key);
    if (r.status === 404) return null;
    if (!r.ok) throw new Error(`S3 GET ${key}: ${r.status} ${(await r.text()).slice(0, 200)}`);
    const meta: Record<string, string> = {};
    r.headers.forEach((v, h) => {
      if (h.startsWith("x-amz-meta-")) meta[h.slice(11)] = v;
    });
    return body(key, new Uint8Array(await r.arrayBuffer()), Object.keys(meta).length ? meta : undefined);
  }

  async head(key: string) {
    const r = await this.request("HEAD", key);
    if (r.status === 404) return null;
    if (!r.ok) throw new Error(`S3 HEAD ${key}: ${r.status}`);
    return { key, size: Number(r.headers.get("content-length") ?? 0) };
  }

  async list(o: { prefix?: string; cursor?: string; limit?: number }) {
    const q: Record<string, string> = { "list-type": "2", "max-keys": String(o.limit ?? 1000) };
    if (o.prefix) q.prefix = o.prefix;
    if (o.cursor) q["continuation-token"] = o.cursor;
    const r = await this.request("GET", "", q);
    if (!r.ok) throw new Error(`S3 list: ${r.status} ${(await r.text()).slice(0, 200)}`);
    const xml = await r.text();
    const objects = [...xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)].map((m) => ({
      key: unxml(/<Key>([\s\S]*?)<\/Key>/.exec(m[1]!)![1]!),
      size: Number(/<Size>(\d+)<\/Size>/.exec(m[1]!)?.[1] ?? 0),
      uploaded: new Date(/<LastModified>([^<]+)<\/LastModified>/.exec(m[1]!)?.[1] ?? 0),
    }));
    const truncated = /<IsTruncated>true<\/IsTruncated>/.test(xml);
    const next = /<NextContinuationToken>([^<]+)<\/NextContinuationToken>/.exec(xml)?.[1];
    return { objects, truncated, cursor: truncated && next ? unxml(next) : undefined };
  }
}

function unxml(s: string): string {
  return s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}
