/** Object names in BACKUP_BUCKET (docs/FORMAT.md, "Layout"). The one place that spells them. */
export const Layout = {
  config: "config",
  keyPrefix: (dataKeyId: string) => `keys/${dataKeyId}/`,
  key: (dataKeyId: string, kekId: string) => `keys/${dataKeyId}/${kekId}.json`,
  chunk: (id: string) => `data/${id.slice(0, 2)}/${id}`,
  manifestPrefix: "manifests/",
  manifest: (backupId: string) => `manifests/${backupId}`,
  manifestName: (backupId: string) => `manifest:${backupId}`,
} as const;
