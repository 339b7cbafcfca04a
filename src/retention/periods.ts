/** The period a time falls in, for each grandfather-father-son rule (UTC). ISO weeks: Monday first, week-numbering year. */
export const PERIODS = {
  hourly: (d: Date) => d.toISOString().slice(0, 13),
  daily: (d: Date) => d.toISOString().slice(0, 10),
  weekly: (d: Date) => {
    const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
    const day = t.getUTCDay() || 7;
    t.setUTCDate(t.getUTCDate() + 4 - day); // the Thursday of this week decides its year
    const week = Math.ceil(((t.getTime() - Date.UTC(t.getUTCFullYear(), 0, 1)) / 86_400_000 + 1) / 7);
    return `${t.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
  },
  monthly: (d: Date) => d.toISOString().slice(0, 7),
  yearly: (d: Date) => d.toISOString().slice(0, 4),
} as const;
export type Period = keyof typeof PERIODS;
