import type { Env } from "../env";
import { IntegrityError } from "../errors";
import type { ShipResult } from "./ship";
import { shipper } from "./shipper-object";

/**
 * Ships (through the one shipper) until every entry up to `seq` is in the repository. A backlog can take a few
 * runs; a run that makes no progress means the entries are not in the log any more (recorded as a gap).
 */
export async function shipThrough(env: Env, seq: number): Promise<ShipResult> {
  let last = -1;
  for (;;) {
    const r = await shipper(env).ship();
    if (r.last_seq >= seq) return r;
    if (r.last_seq === last && !r.more)
      throw new IntegrityError(`change log`, `entries up to ${seq} could not be shipped (shipped through ${r.last_seq})`);
    last = r.last_seq;
  }
}
