import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS } from '../../src/config.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Variables .env.example may name besides the schema's: compose's own, the AWS chain's, and ones read outside the schema. */
const OUTSIDE_SCHEMA = [
  'POSTGRES_PASSWORD',
  'API_PORT',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'KABAR_OPS_PORT',
];

/** Names set (`NAME=…`) or shown at their default (`# NAME=…`) in a dotenv file. */
export function envNames(text: string): string[] {
  return text.split('\n').flatMap((line) => {
    const m = /^(?:# )?([A-Z][A-Z0-9_]*)=/.exec(line);
    return m ? [m[1]!] : [];
  });
}

describe('.env.example', () => {
  const names = envNames(readFileSync(join(root, '.env.example'), 'utf8'));

  it('lists every setting of the configuration schema', () => {
    expect(CONFIG_KEYS.filter((k) => !names.includes(k))).toEqual([]);
  });

  it('names nothing Kabar or compose does not read', () => {
    expect(names.filter((n) => !CONFIG_KEYS.includes(n) && !OUTSIDE_SCHEMA.includes(n))).toEqual([]);
  });

  it('names each variable once', () => {
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });
});
