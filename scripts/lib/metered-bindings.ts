// Counting wrappers for a D1 database and an R2 bucket: how many D1 calls (subrequests: a batch is one), D1 statements
// (each statement of a batch) and R2 operations a step's work makes. Used by the step-limit test and the bench's memory
// and limits run, around the same step functions the workflows call.

export interface Meter {
  d1: number;
  statements: number;
  r2: number;
}

export function newMeter(): Meter {
  return { d1: 0, statements: 0, r2: 0 };
}

export function resetMeter(m: Meter): void {
  m.d1 = 0;
  m.statements = 0;
  m.r2 = 0;
}

const D1_RUNS = new Set(["run", "all", "first", "raw"]);
const R2_OPS = new Set(["get", "put", "head", "list", "delete", "createMultipartUpload", "resumeMultipartUpload"]);

/** The database, counting into `m`: calls (a batch is one) and statements (a batch counts each of its own). */
export function meteredD1(db: D1Database, m: Meter): D1Database {
  const wrapStatement = (s: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(s, {
      get(target, prop) {
        const v = Reflect.get(target, prop);
        if (prop === "bind")
          return (...args: unknown[]) => wrapStatement((v as (...a: unknown[]) => D1PreparedStatement).apply(target, args));
        if (typeof prop === "string" && D1_RUNS.has(prop))
          return (...args: unknown[]) => {
            m.d1++;
            m.statements++;
            return (v as (...a: unknown[]) => unknown).apply(target, args);
          };
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
  return new Proxy(db, {
    get(target, prop) {
      const v = Reflect.get(target, prop);
      if (prop === "prepare") return (sql: string) => wrapStatement(target.prepare(sql));
      if (prop === "batch")
        return (statements: D1PreparedStatement[]) => {
          m.d1++;
          m.statements += statements.length;
          return target.batch(statements);
        };
      if (prop === "exec")
        return (sql: string) => {
          m.d1++;
          m.statements++;
          return target.exec(sql);
        };
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

/** The bucket, counting into `m`: one per operation. */
export function meteredR2(bucket: R2Bucket, m: Meter): R2Bucket {
  return new Proxy(bucket, {
    get(target, prop) {
      const v = Reflect.get(target, prop);
      if (typeof prop === "string" && R2_OPS.has(prop))
        return (...args: unknown[]) => {
          m.r2++;
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}
