/** Every error Vaultline raises on purpose carries a stable code; the API maps `status` to the HTTP answer. */
export class VaultlineError extends Error {
  readonly code: string;
  readonly status: number;
  readonly field?: string;
  /** Structured facts for the API answer (e.g. the nearest restorable instants). Never secrets. */
  details?: Record<string, unknown>;
  /** False: retrying the step cannot help (whatever the code), so a workflow step fails at once. */
  retryable?: boolean;
  constructor(code: string, message: string, status = 500, field?: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.field = field;
  }
}

export class ValidationError extends VaultlineError {
  constructor(message: string, field?: string) {
    super("invalid_request", message, 400, field);
  }
}
export class UnauthorizedError extends VaultlineError {
  constructor(message = "missing or unknown bearer token") {
    super("unauthorized", message, 401);
  }
}
export class ForbiddenError extends VaultlineError {
  constructor(message: string) {
    super("forbidden", message, 403);
  }
}
/** Refused for want of a second factor: its own code, so a client can send the person to sign in again. */
export class MfaRequiredError extends VaultlineError {
  constructor(message: string) {
    super("mfa_required", message, 403);
  }
}
/** A request body over the documented limit (docs/API.md). */
export class PayloadTooLargeError extends VaultlineError {
  constructor(message: string) {
    super("payload_too_large", message, 413);
  }
}
export class NotFoundError extends VaultlineError {
  constructor(message: string) {
    super("not_found", message, 404);
  }
}
export class ConflictError extends VaultlineError {
  constructor(message: string) {
    super("conflict", message, 409);
  }
}
/** The audit entry could not be written: the action it records is refused (fail closed), or a read withheld. */
export class AuditUnavailableError extends VaultlineError {
  constructor() {
    super("audit_unavailable", "the audit trail cannot be written just now; nothing was done: try again", 503);
  }
}
/** Configuration the operator must fix (a missing secret, a malformed var). */
export class ConfigError extends VaultlineError {
  constructor(message: string, field?: string) {
    super("config_error", message, 500, field);
  }
}
/** A stored object is missing, altered or unreadable. Names the object so an operator can find it. */
export class IntegrityError extends VaultlineError {
  readonly objectKey: string;
  constructor(objectKey: string, message: string) {
    super("integrity_error", `${objectKey}: ${message}`, 500);
    this.objectKey = objectKey;
  }
}
/** The configured master key cannot open the repository (wrong or missing key). */
export class KeyMismatchError extends VaultlineError {
  constructor(message: string) {
    super("key_mismatch", message, 500);
  }
}
