/** Quantities as people read them, beside the exact numbers the API also answers (the product requirements' shapes). */

/** Bytes in decimal units: "250MB", "1.2GB". */
export function humanBytes(n: number): string {
  const units = ["B", "KB", "MB", "GB", "TB", "PB"];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : Math.round(v * 10) / 10}${units[i]}`;
}

/** A duration in seconds as words, rounded up to the unit that reads best: "45 seconds", "5 minutes", "2 hours". */
export function humanDuration(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (s < 90) return plural(s, "second");
  if (s < 90 * 60) return plural(Math.ceil(s / 60), "minute");
  return plural(Math.ceil(s / 3600), "hour");
}
