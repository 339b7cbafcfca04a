/** A foreign key between two tables, by name as sqlite_master has them. */
export interface ForeignKey {
  child: string;
  parent: string;
  columns: string[];
}

/** The foreign keys declared by `tables` (every one, whatever table it references). */
export async function foreignKeys(db: D1Database, tables: string[]): Promise<ForeignKey[]> {
  const { results } = await db
    .prepare(
      `SELECT m.name AS child, f.id AS id, f.seq AS seq, f."table" AS parent, f."from" AS col
       FROM sqlite_master m, pragma_foreign_key_list(m.name) f
       WHERE m.type = 'table' AND m.name IN (SELECT value FROM json_each(?)) ORDER BY m.name, f.id, f.seq`,
    )
    .bind(JSON.stringify(tables))
    .all<{ child: string; id: number; seq: number; parent: string; col: string }>();
  const byKey = new Map<string, ForeignKey>();
  for (const r of results) {
    const key = `${r.child}\u0000${r.id}`;
    if (!byKey.has(key)) byKey.set(key, { child: r.child, parent: r.parent, columns: [] });
    byKey.get(key)!.columns.push(r.col);
  }
  return [...byKey.values()];
}

/**
 * The tables in groups, each group after every group it references: a group is one table, or the tables of a cycle
 * of foreign keys. Rows can be copied group by group, in bounded transactions, without a child row ever waiting for
 * its parent; within a cyclic group (or a table referencing itself) they may have to go in one transaction.
 * Returns indexes into `tables`, with whether each group is cyclic.
 */
export function parentsFirst(tables: string[], fks: ForeignKey[]): { tables: number[]; cyclic: boolean }[] {
  const index = new Map(tables.map((t, i) => [t.toLowerCase(), i]));
  const parents = tables.map(() => new Set<number>());
  const selfReferencing = new Set<number>();
  for (const fk of fks) {
    const c = index.get(fk.child.toLowerCase());
    const p = index.get(fk.parent.toLowerCase());
    if (c === undefined || p === undefined) continue;
    if (c === p) selfReferencing.add(c);
    else parents[c]!.add(p);
  }
  // Tarjan's strongly connected components over child -> parent edges: a component is emitted after every component
  // it reaches, which is parents first. Iterative, so a long chain of tables cannot overflow the stack.
  const order: { tables: number[]; cyclic: boolean }[] = [];
  const low = new Array<number>(tables.length).fill(-1);
  const seen = new Array<number>(tables.length).fill(-1);
  const onStack = new Array<boolean>(tables.length).fill(false);
  const stack: number[] = [];
  let counter = 0;
  for (let root = 0; root < tables.length; root++) {
    if (seen[root] !== -1) continue;
    const work: { v: number; next: number[] }[] = [];
    const open = (v: number) => {
      seen[v] = low[v] = counter++;
      stack.push(v);
      onStack[v] = true;
      work.push({ v, next: [...parents[v]!].sort((a, b) => a - b) });
    };
    open(root);
    while (work.length) {
      const top = work[work.length - 1]!;
      const w = top.next.shift();
      if (w !== undefined) {
        if (seen[w] === -1) open(w);
        else if (onStack[w]) low[top.v] = Math.min(low[top.v]!, seen[w]!);
        continue;
      }
      work.pop();
      if (work.length) low[work[work.length - 1]!.v] = Math.min(low[work[work.length - 1]!.v]!, low[top.v]!);
      if (low[top.v] === seen[top.v]) {
        const group: number[] = [];
        for (;;) {
          const x = stack.pop()!;
          onStack[x] = false;
          group.push(x);
          if (x === top.v) break;
        }
        group.sort((a, b) => a - b);
        order.push({ tables: group, cyclic: group.length > 1 || selfReferencing.has(group[0]!) });
      }
    }
  }
  return order;
}
