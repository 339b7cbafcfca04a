// Writes a database backup out as a plain SQLite file, verifying as it goes: every chunk authenticates (AES-GCM) and
// hashes to its id (HMAC) and to its recorded SHA-256, every table's checksum and row count match the manifest,
// and the change-log window the backup recorded is replayed, exactly as a restore into D1 does (docs/RECOVERY.md).
import { existsSync } from "node:fs";
import type { DatabaseSync } from "node:sqlite";
import { IncrementalManifest } from "../../schemas/incremental-manifest";
import { DatabaseManifest, type DatabaseSchema, type TableInfo } from "../../schemas/manifest";
import type { ChangeEntry, SegmentRef } from "../../schemas/capture";
import { tableChecksum } from "../../src/backup/checksum";
import { decodeSegment } from "../../src/capture/segment";
import { parseAnyManifest } from "../../src/catalog/manifest-facts";
import { type TupleValue, tupleToParams, tupleValues } from "../../src/db/literals";
import { ident } from "../../src/db/sql";
import { IntegrityError } from "../../src/errors";
import { fromUtf8, sha256Hex } from "../../src/repo/bytes";
import type { Repository } from "../../src/repo/repository";

export interface RecoveredDatabase {
  backup_id: string;
  manifest_id: string;
  tables: { name: string; rows: number; checksum: "verified" }[];
  replayed: number;
  integrity_check: string;
}

/** The manifest that holds the rows, and the change-log window to replay on top of them. */
async function plan(repo: Repository, backupId: string) {
  let m = parseAnyManifest(await repo.getManifestJson(backupId));
  let id = backupId;
  if (m.format === "vaultline-system-manifest") {
    id = `${backupId}_database`;
    m = parseAnyManifest(await repo.getManifestJson(id));
  }
  if (m.format === "vaultline-incremental-manifest") {
    const inc = IncrementalManifest.parse(m);
    const base = await repo.readManifest(inc.base_backup_id, DatabaseManifest, "a database");
    const segments = [...(base.capture?.segments ?? []), ...inc.segments];
    return { id: inc.base_backup_id, base, replay: base.capture ? { after: base.capture.seq_start, through: inc.to_seq, segments } : null };
  }
  if (m.format !== "vaultline-manifest")
    throw new IntegrityError(`manifests/${id}`, `backup ${backupId} is not a database backup (${m.format})`);
  const base = DatabaseManifest.parse(m);
  return {
    id,
    base,
    replay: base.capture ? { after: base.capture.seq_start, through: base.capture.seq_end, segments: base.capture.segments } : null,
  };
}

export async function recoverDatabase(
  repo: Repository,
  backupId: string,
  outFile: string,
  log: (line: string) => void,
): Promise<RecoveredDatabase> {
  if (existsSync(outFile)) throw new Error(`${outFile} exists: recovery never overwrites a file`);
  const { id, base, replay } = await plan(repo, backupId);
  // Loaded here, not at start: node:sqlite prints an experimental warning, which the API commands have no need of.
  const { DatabaseSync: Sqlite } = await import("node:sqlite");
  const db = new Sqlite(outFile);
  try {
    db.exec("PRAGMA foreign_keys = OFF; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; BEGIN");
    const objects = base.schema.objects;
    for (const o of objects.filter((o) => o.type === "table")) db.exec(o.sql);
    const tables: RecoveredDatabase["tables"] = [];
    for (const t of base.tables) {
      const info = base.schema.tables.find((x) => x.name === t.name)!;
      const insert = `INSERT INTO ${ident(t.name)} (${insertColumns(info)}) VALUES `;
      const digests: string[] = [];
      let rows = 0;
      for (const c of t.chunks) {
        const plain = await repo.getChunk(c.id);
        const digest = await sha256Hex(plain);
        if (digest !== c.sha256)
          throw new IntegrityError(`data/${c.id.slice(0, 2)}/${c.id}`, `chunk of ${t.name} does not match its recorded SHA-256`);
        digests.push(digest);
        const lines = fromUtf8.decode(plain).split("\n").filter(Boolean);
        if (lines.length !== c.rows)
          throw new IntegrityError(
            `data/${c.id.slice(0, 2)}/${c.id}`,
            `chunk of ${t.name} holds ${lines.length} rows, the manifest says ${c.rows}`,
          );
        for (const line of lines) insertTuple(db, insert, JSON.parse(line) as string, `data/${c.id.slice(0, 2)}/${c.id}`);
        rows += lines.length;
      }
      if (rows !== t.rows || (await tableChecksum(digests)) !== t.checksum)
        throw new IntegrityError(`manifests/${id}`, `table ${t.name}: rows or checksum differ from the manifest`);
      tables.push({ name: t.name, rows, checksum: "verified" });
      log(`  ${t.name}: ${rows} rows, checksum verified`);
    }
    let replayed = 0;
    const maxInserted: Record<string, number> = {};
    if (replay) replayed = await replayWindow(repo, db, base.schema, replay, maxInserted, log);
    for (const o of objects.filter((o) => o.type !== "table")) db.exec(o.sql);
    writeSequences(db, base.schema, maxInserted);
    db.exec("COMMIT");
    const integrity = (db.prepare("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check;
    if (integrity !== "ok") throw new Error(`the written SQLite file fails integrity_check: ${integrity}`);
    return { backup_id: backupId, manifest_id: id, tables, replayed, integrity_check: integrity };
  } finally {
    db.close();
  }
}

function insertColumns(t: TableInfo): string {
  return [...(t.rowidColumn ? ["rowid"] : []), ...t.columns.map((c) => ident(c.name))].join(", ");
}

/** Entries (after, through] of the backup's window, absolute: delete the key, then insert the row image. */
async function replayWindow(
  repo: Repository,
  db: DatabaseSync,
  schema: DatabaseSchema,
  w: { after: number; through: number; segments: SegmentRef[] },
  maxInserted: Record<string, number>,
  log: (line: string) => void,
): Promise<number> {
  const byName = new Map(schema.tables.map((t) => [t.name, t]));
  const autoincrement = new Set(schema.objects.filter((o) => o.type === "table" && /\bAUTOINCREMENT\b/i.test(o.sql)).map((o) => o.name));
  let applied = 0;
  let next = w.after + 1;
  for (const s of [...w.segments].sort((a, b) => a.first_seq - b.first_seq)) {
    if (s.last_seq <= w.after || s.first_seq > w.through) continue;
    const entries: ChangeEntry[] = decodeSegment(s.key, await repo.getSegment(s.key, s.sha256), s.first_seq, s.last_seq);
    for (const [seq, , table, op, key, row] of entries) {
      if (seq <= w.after || seq > w.through) continue;
      if (seq !== next) throw new IntegrityError(s.key, `change ${next} is missing: the window cannot be replayed exactly`);
      next++;
      const t = byName.get(table);
      if (!t) throw new IntegrityError(s.key, `change ${seq} is to table ${table}, which the backup does not have`);
      const values = parsedTuple(key, s.key, `change ${seq}'s key`);
      if (values.length !== t.keyColumns.length)
        throw new IntegrityError(s.key, `change ${seq}: its key has ${values.length} values, ${table}'s key ${t.keyColumns.length}`);
      const params: (string | Uint8Array)[] = [];
      const where = t.keyColumns.map((k, i) => {
        const v = values[i]!;
        const col = k === "rowid" ? "rowid" : ident(k);
        if (v.kind === "literal") return `${col} IS ${v.text}`;
        params.push(v.value);
        return `${col} IS ?`;
      });
      db.prepare(`DELETE FROM ${ident(table)} WHERE ${where.join(" AND ")}`).run(...params);
      if (op !== "D") {
        if (row === null) throw new IntegrityError(s.key, `change ${seq} (${op} on ${table}) has no row image`);
        insertTuple(db, `INSERT INTO ${ident(table)} (${insertColumns(t)}) VALUES `, row, s.key);
      }
      if (op === "I" && autoincrement.has(table) && Number.isInteger(Number(key)))
        maxInserted[table] = Math.max(maxInserted[table] ?? 0, Number(key));
      applied++;
    }
  }
  if (next <= w.through)
    throw new IntegrityError(`segments`, `changes ${next}..${w.through} are missing: the window cannot be replayed exactly`);
  if (applied) log(`  replayed ${applied} changes of the backup's window`);
  return applied;
}

/**
 * One row, its text and blobs bound (prepare().run(), never exec): a change-log row image came from a table the
 * provider's database holds, and must never run as SQL here, where ATTACH could write files on this machine.
 */
function insertTuple(db: DatabaseSync, insert: string, tuple: string, where: string): void {
  let bound: ReturnType<typeof tupleToParams>;
  try {
    bound = tupleToParams(tuple, SQLITE_MAX_PARAMS);
  } catch (e) {
    throw new IntegrityError(where, `a row is not a list of plain values (${(e as Error).message})`);
  }
  db.prepare(`${insert}(${bound.sql})`).run(...bound.params);
}

function parsedTuple(tuple: string, where: string, what: string): TupleValue[] {
  try {
    return tupleValues(tuple);
  } catch (e) {
    throw new IntegrityError(where, `${what} is not a list of plain values (${(e as Error).message})`);
  }
}

/** node:sqlite's limit on bound parameters (SQLITE_MAX_VARIABLE_NUMBER). */
const SQLITE_MAX_PARAMS = 32_766;

function writeSequences(db: DatabaseSync, schema: DatabaseSchema, maxInserted: Record<string, number>): void {
  const seqs = new Map(schema.sequences.map((s) => [s.name, s.seq]));
  for (const [name, max] of Object.entries(maxInserted)) seqs.set(name, Math.max(seqs.get(name) ?? 0, max));
  for (const [name, seq] of seqs) {
    db.prepare("DELETE FROM sqlite_sequence WHERE name = ?").run(name);
    db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)").run(name, seq);
  }
}
