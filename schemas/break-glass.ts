import { z } from "zod";

/**
 * Break-glass (docs/runbooks/provider-down.md): custodians hold offline Ed25519 keys; M of N of them sign one
 * specific production restore, in place of the requester's second factor and the approver's.
 */
export const Custodians = z
  .strictObject({
    /** How many distinct custodians must sign: at least 2. */
    threshold: z.number().int().min(2),
    custodians: z
      .array(
        z.strictObject({
          name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "lower-case letters, digits, . _ -"),
          /** The raw 32-byte Ed25519 public key, base64url (what `vaultline break-glass keygen` prints). */
          public_key: z.string().regex(/^[A-Za-z0-9_-]{43}$/, "a base64url Ed25519 public key (43 characters)"),
        }),
      )
      .min(2)
      .max(20),
  })
  .superRefine((c, ctx) => {
    if (c.threshold > c.custodians.length)
      ctx.addIssue({
        code: "custom",
        path: ["threshold"],
        message: `${c.threshold} signatures of ${c.custodians.length} custodians can never be met`,
      });
    const names = c.custodians.map((x) => x.name);
    if (new Set(names).size !== names.length) ctx.addIssue({ code: "custom", path: ["custodians"], message: "each custodian name once" });
    const keys = c.custodians.map((x) => x.public_key);
    if (new Set(keys).size !== keys.length) ctx.addIssue({ code: "custom", path: ["custodians"], message: "each public key once" });
  });
export type Custodians = z.infer<typeof Custodians>;

/** The most a break-glass request may be valid for: signatures made for an emergency do not keep. */
export const BREAK_GLASS_MAX_HOURS = 12;

/** What the custodians sign (its canonical JSON's SHA-256): one production restore, until `expires_at`. */
export const BreakGlassRequest = z.strictObject({
  purpose: z.literal("vaultline-break-glass-restore"),
  /** The restore, as `POST /admin/backup/restore` takes it (target_environment production). */
  restore: z.record(z.string(), z.unknown()),
  reason: z.string().trim().min(3).max(1000),
  /** Who is running the procedure (free text: it is not authenticated; the signatures are). */
  operator: z.string().trim().min(1).max(200),
  expires_at: z.iso.datetime({ offset: true }),
  /** Random, so two requests for the same restore have different digests and signatures. */
  nonce: z.string().regex(/^[0-9a-f]{32}$/),
});
export type BreakGlassRequest = z.infer<typeof BreakGlassRequest>;

export const BreakGlassSignature = z.strictObject({
  custodian: z.string(),
  /** Ed25519 over `vaultline-break-glass-v1:<digest>`, base64url. */
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, "a base64url Ed25519 signature (86 characters)"),
});

export const BreakGlassSubmission = z.strictObject({
  request: z.unknown(),
  signatures: z.array(BreakGlassSignature).min(1).max(20),
});
