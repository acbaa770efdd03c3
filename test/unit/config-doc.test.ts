import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../../src/config.js';
import { configRows, renderConfigTable, TABLE_END, TABLE_START, withConfigTable } from '../../src/config-doc.js';

describe('docs/configuration.md', () => {
  const committed = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

  it('holds the table `npm run docs:config` generates from src/config.ts (regenerate it after changing a setting)', () => {
    expect(
      committed === withConfigTable(committed),
      'docs/configuration.md is out of date: run `npm run docs:config`',
    ).toBe(true);
    const inside = committed
      .slice(committed.indexOf(TABLE_START) + TABLE_START.length, committed.indexOf(TABLE_END))
      .trim();
    expect(inside).toBe(renderConfigTable());
  });

  it('has one row per setting of the schema, in its order, each with a meaning and a default', () => {
    const rows = configRows();
    expect(rows.map((r) => r.name)).toEqual([...CONFIG_KEYS]);
    expect(rows.filter((r) => r.description.length < 5 || r.default === '').map((r) => r.name)).toEqual([]);
  });

  it('shows defaults as the schema has them: a value, empty, unset, or what the setting says instead', () => {
    const byName = Object.fromEntries(configRows().map((r) => [r.name, r.default]));
    expect(byName).toMatchObject({
      PORT: '`4000`',
      KABAR_MIGRATE: '`check`',
      SMS_FROM: 'empty',
      KABAR_JWKS_URL: 'unset',
      DATABASE_URL: 'unset (embedded PGlite)',
      SNS_CERT_HOST_PATTERN: '`^sns\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?$`',
    });
  });

  it('is linked from the README', () => {
    expect(readFileSync(new URL('../../README.md', import.meta.url), 'utf8')).toContain('](docs/configuration.md)');
  });
});
