/** A progress line: a bar on a terminal (rewritten in place), one line per change otherwise (logs, CI). */
export function progressPrinter(stream: NodeJS.WriteStream) {
  let last = "";
  return {
    update(p: { status: string; stage?: string | null; percent?: number | null; eta_seconds?: number | null }) {
      const pct = p.percent ?? null;
      const bar = pct === null ? "" : `[${"#".repeat(Math.round(pct / 5)).padEnd(20, ".")}] ${pct.toFixed(0).padStart(3)}%`;
      const eta = p.eta_seconds != null ? ` ETA ${formatSeconds(p.eta_seconds)}` : "";
      const line = `${bar} ${p.status}${p.stage ? ` (${p.stage})` : ""}${eta}`.trim();
      if (line === last) return;
      last = line;
      if (stream.isTTY) stream.write(`\r\x1b[2K${line}`);
      else stream.write(`${line}\n`);
    },
    done() {
      if (stream.isTTY && last) stream.write("\n");
    },
  };
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
