import { readFileSync } from "node:fs";

/** Reads wrangler.jsonc (full-line // comments only, as this repository writes it). */
export function readWranglerConfig(path = "wrangler.jsonc"): { triggers?: { crons?: string[] }; vars?: Record<string, string> } {
  return JSON.parse(readFileSync(path, "utf8").replace(/^\s*\/\/.*$/gm, ""));
}
