import type { Env } from "../env";
import { providerProfile } from "../provider/profile";
import type { BackupableObject, ShippableObject } from "./contract";

/** A stub of one of the provider's session objects (bound as SESSIONS), with the contract's RPC methods. */
export function sessionStub(env: Env, name: string): DurableObjectStub<BackupableObject & Rpc.DurableObjectBranded> {
  return env.SESSIONS.get(env.SESSIONS.idFromName(name)) as DurableObjectStub<BackupableObject & Rpc.DurableObjectBranded>;
}

/** The same object as a member of the change feed (its class implements vaultlineShip). */
export function feedStub(env: Env, name: string): DurableObjectStub<ShippableObject & Rpc.DurableObjectBranded> {
  return env.SESSIONS.get(env.SESSIONS.idFromName(name)) as DurableObjectStub<ShippableObject & Rpc.DurableObjectBranded>;
}

/** Where the provider's session objects register (its profile's `sessions`), or null when it has none. */
export function sessionRegistry(env: Env): { namespace: string; table: string } | null {
  const s = providerProfile(env).sessions;
  return s ? { namespace: s.namespace, table: s.registry_table } : null;
}
