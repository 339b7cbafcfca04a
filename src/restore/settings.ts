import type { Env } from "../env";

/** Production restores' settings (docs/OPERATIONS.md): how recent a passing drill must be, how long approval may take, how long a rollback stays possible. */
/** Between looks at child instances (RESTORE_POLL_MS, default 3 s; the tests use less): where a wait begins. */
export function pollMs(env: Env): number {
  return positive(env.RESTORE_POLL_MS, 3000);
}
export function gateDays(env: Env): number {
  return positive(env.RESTORE_GATE_DAYS, 7);
}
export function approvalHours(env: Env): number {
  return positive(env.RESTORE_APPROVAL_TIMEOUT_HOURS, 24);
}
export function rollbackHours(env: Env): number {
  return positive(env.RESTORE_ROLLBACK_HOURS, 24);
}
function positive(raw: string | undefined, fallback: number): number {
  const n = Number(raw);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}
