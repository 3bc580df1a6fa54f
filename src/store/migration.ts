/**
 * One step of the schema. Never edit a migration that has shipped: add a new one. Each runs once,
 * in its own transaction, recorded in schema_migrations by its version, which is unique across
 * the shared history (migrations.ts) and the entities' own (src/store/entities/).
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}
