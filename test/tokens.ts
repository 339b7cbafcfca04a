/** Test-only API tokens. vitest.config.ts puts their SHA-256 (never these values) into API_TOKENS. */
export const TEST_TOKENS = {
  admin: { token: "vl-test-admin-4c1f0b8e", subject: "alice@admin", roles: ["admin"] },
  operator: { token: "vl-test-operator-92d7a3", subject: "oscar@ops", roles: ["operator"] },
  viewer: { token: "vl-test-viewer-5e6b21", subject: "vera@view", roles: ["viewer"] },
  approver: { token: "vl-test-approver-7a1d44", subject: "bob@approve", roles: ["approver"] },
  /** A second token of the admin's own subject, holding the approver role: must not approve alice's restores. */
  adminAsApprover: { token: "vl-test-alice-approver-19be02", subject: "alice@admin", roles: ["approver"] },
} as const;

/** Test-only master key: 32 bytes, base64, as BACKUP_ENCRYPTION_KEY must be. */
export const TEST_MASTER_KEY = btoa("vaultline-test-master-key-32byte");
/** A different valid key, for wrong-key tests. */
export const OTHER_MASTER_KEY = btoa("another-master-key-of-32-bytes!!");
