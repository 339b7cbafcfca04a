import { randomBytes, createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { dataKeyDigests, findSecrets } from "../shared/secrets.ts";
import { TEST_MASTER_KEY, TEST_TOKENS } from "../tokens.ts";

// The scanner npm test runs over every log line (scripts/test.ts) and the suite over every response body: it must
// find each kind of secret in each form it could be written in, and not cry wolf over ordinary ids and digests.
describe("secret scanner", () => {
  it("finds fixed secrets and data keys in hex, base64 and base64url, whole or either half", async () => {
    const key = randomBytes(64);
    const digests = new Set(await dataKeyDigests(new Uint8Array(key)));
    expect(await findSecrets(`config: key=${TEST_MASTER_KEY}`, digests)).toEqual(["BACKUP_ENCRYPTION_KEY"]);
    expect(await findSecrets(`auth header Bearer ${TEST_TOKENS.operator.token}`, digests)).toEqual(["API token of operator"]);
    expect(await findSecrets(`debug ${key.toString("hex")} end`, digests)).toEqual(["a data key"]);
    expect(await findSecrets(`aes=${key.subarray(0, 32).toString("hex")}`, digests)).toEqual(["a data key"]);
    expect(await findSecrets(`mac:${key.subarray(32).toString("base64")}`, digests)).toEqual(["a data key"]);
    expect(await findSecrets(`"k":"${key.toString("base64url")}"`, digests)).toEqual(["a data key"]);
    expect(await findSecrets(`prefix${key.toString("hex").toUpperCase()}suffix`, digests)).toEqual(["a data key"]);
  });

  it("passes ordinary log lines: chunk ids, digests, request ids", async () => {
    const digests = new Set(await dataKeyDigests(new Uint8Array(randomBytes(64))));
    const line = `chunk data/ab/${createHash("sha256").update("x").digest("hex")} verified; request ${crypto.randomUUID()}; iv ${randomBytes(12).toString("base64")}`;
    expect(await findSecrets(line, digests)).toEqual([]);
  });
});
