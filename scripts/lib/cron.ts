// Five-field cron matching (minute hour day-of-month month day-of-week, UTC), enough for wrangler's triggers:
// '*', numbers, lists 'a,b', ranges 'a-b', steps '*/n' and 'a-b/n'.
const RANGES: [number, number][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 6],
];

function fieldMatches(field: string, value: number, [lo, hi]: [number, number]): boolean {
  return field.split(",").some((part) => {
    const [range, stepText] = part.split("/");
    const step = stepText ? Number(stepText) : 1;
    let from = lo;
    let to = hi;
    if (range !== "*") {
      const [a, b] = range!.split("-");
      from = Number(a);
      to = b === undefined ? (stepText ? hi : from) : Number(b);
    }
    return value >= from && value <= to && (value - from) % step === 0;
  });
}

export function cronMatches(expr: string, at: Date): boolean {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`cron "${expr}" must have five fields`);
  const values = [at.getUTCMinutes(), at.getUTCHours(), at.getUTCDate(), at.getUTCMonth() + 1, at.getUTCDay()];
  const [min, hour, dom, mon, dow] = fields.map((f, i) => fieldMatches(f, values[i]!, RANGES[i]!));
  // As in cron: when both day fields are restricted, either may match.
  const dayOk = fields[2] !== "*" && fields[4] !== "*" ? dom || dow : dom && dow;
  return Boolean(min && hour && mon && dayOk);
}
