import { z } from "zod";
import { AssetManifest } from "./assets";
import { ConfigManifest } from "./config-manifest";
import { IncrementalManifest } from "./incremental-manifest";
import { DatabaseManifest } from "./manifest";
import { SessionManifest } from "./sessions";
import { SystemManifest } from "./system-manifest";

/** Every kind of backup manifest, told apart by its `format` (docs/FORMAT.md). */
export const AnyManifest = z.discriminatedUnion("format", [
  DatabaseManifest,
  IncrementalManifest,
  SessionManifest,
  AssetManifest,
  ConfigManifest,
  SystemManifest,
]);
export type AnyManifest = z.infer<typeof AnyManifest>;
