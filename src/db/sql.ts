/** SQL identifier quoting. Every name that comes from a database goes through here. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Objects that belong to SQLite, D1 or Vaultline itself, never to the data being backed up. */
export function isInternalName(name: string): boolean {
  return /^(sqlite_|_cf_|_vaultline_)/i.test(name);
}
