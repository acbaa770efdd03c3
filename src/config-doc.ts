import { CONFIG_FIELDS } from './config.js';

// docs/configuration.md's table of settings, generated from the configuration schema
// (src/config.ts) by `npm run docs:config`, between the two markers below.

export const TABLE_START =
  '<!-- config-table:start (generated from src/config.ts by `npm run docs:config`; do not edit) -->';
export const TABLE_END = '<!-- config-table:end -->';

export interface ConfigRow {
  name: string;
  default: string;
  description: string;
}

/** A setting's meaning (`meta.description`), and its default as a reader should see it. */
export function configRows(): ConfigRow[] {
  return Object.entries(CONFIG_FIELDS).map(([name, field]) => {
    const meta = (field.meta() ?? {}) as { description?: string; shown?: string };
    if (!meta.description) throw new Error(`${name} has no .meta({ description }) in src/config.ts`);
    const def = field.def as { type: string; defaultValue?: unknown };
    let shown = meta.shown;
    if (!shown) {
      if (def.type !== 'default') shown = 'unset';
      else shown = def.defaultValue === '' ? 'empty' : `\`${String(def.defaultValue)}\``;
    }
    return { name, default: shown, description: meta.description };
  });
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderConfigTable(): string {
  const lines = ['| Variable | Default | Meaning |', '|---|---|---|'];
  for (const r of configRows()) lines.push(`| \`${r.name}\` | ${cell(r.default)} | ${cell(r.description)} |`);
  return lines.join('\n');
}

/** The document with its generated table replaced by the schema's current one. */
export function withConfigTable(doc: string): string {
  const start = doc.indexOf(TABLE_START);
  const end = doc.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error('docs/configuration.md lacks the config-table markers');
  return `${doc.slice(0, start + TABLE_START.length)}\n${renderConfigTable()}\n${doc.slice(end)}`;
}
