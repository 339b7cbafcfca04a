/** Test-only API tokens. vitest.config.ts puts their SHA-256 (never these values) into API_TOKENS. */
export const TEST_TOKENS = {
  admin: { token: "vl-test-admin-4c1f0b8e", subject: "alice@admin", roles: ["admin"] },
  operator: { token: "vl-test-operator-92d7a3", subject: "oscar@ops", roles: ["operator"] },
  viewer: { token: "vl-test-viewer-5e6b21", subject: "vera@view", roles: ["viewer"] },
  approver: { token: "vl-test-approver-7a1d44", subject: "bob@approve", roles: ["approver"] },
  /** A second token of the admin's own subject, holding the approver role: must not approve alice's restores. */
  adminAsApprover: { token: "vl-test-alice-approver-19be02", subject: "alice@admin", roles: ["approver"] },
  restoreRequester: { token: "vl-test-requester-3b8e50", subject: "rita@request", roles: ["restore_requester"] },
  auditor: { token: "vl-test-auditor-d04c17", subject: "audrey@audit", roles: ["auditor"] },
} as const;

/**
 * People who sign in with JWTs from the provider (test/shared/idp.ts mints them). `amr` says how they signed in:
 * with a second factor (otp, hwk) or a password alone.
 */
export const TEST_PEOPLE = {
  alice: { sub: "alice@admin", roles: ["admin"], amr: ["pwd", "hwk"] },
  aliceNoMfa: { sub: "alice@admin", roles: ["admin"], amr: ["pwd"] },
  aliceAsApprover: { sub: "alice@admin", roles: ["approver"], amr: ["pwd", "hwk"] },
  bob: { sub: "bob@approve", roles: ["approver"], amr: ["pwd", "otp"] },
  bobNoMfa: { sub: "bob@approve", roles: ["approver"], amr: ["pwd"] },
  rita: { sub: "rita@request", roles: ["restore_requester"], amr: ["pwd", "otp"] },
} as const;

/** Test-only master key: 32 bytes, base64, as BACKUP_ENCRYPTION_KEY must be. */
export const TEST_MASTER_KEY = btoa("vaultline-test-master-key-32byte");
/**
 * The master key this deployment used before TEST_MASTER_KEY: kept in BACKUP_ENCRYPTION_KEYS_OLD (vitest.config.ts),
 * as an operator keeps the previous key until a rotation has re-wrapped what it wrapped.
 */
export const PREVIOUS_MASTER_KEY = btoa("vaultline-previous-master-key-32");
/** A different valid key, for wrong-key tests. */
export const OTHER_MASTER_KEY = btoa("another-master-key-of-32-bytes!!");
