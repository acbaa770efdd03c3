import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The source paths of every COPY/ADD in the Dockerfile (flags dropped, the last argument is the destination). */
export function copySources(dockerfile: string): string[] {
  const lines = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim());
  const sources: string[] = [];
  for (const line of lines) {
    const m = /^(COPY|ADD)\s+(.*)$/i.exec(line);
    if (!m) continue;
    const rest = m[2]!.trim();
    const args = rest.startsWith('[')
      ? (JSON.parse(rest) as string[])
      : rest.split(/\s+/).filter((a) => !a.startsWith('--'));
    if (/--from=/.test(rest)) continue; // from another stage, not the build context
    sources.push(...args.slice(0, -1));
  }
  return sources;
}

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

  it('copies only files that exist in the repository (a renamed script broke the build once)', () => {
    const sources = copySources(dockerfile);
    expect(sources).toContain('package.json');
    expect(sources.filter((s) => !existsSync(join(root, s)))).toEqual([]);
  });

  it('runs in production mode', () => {
    expect(dockerfile).toMatch(/^ENV .*\bNODE_ENV=production\b/m);
    expect(readFileSync(join(root, 'docker-compose.yml'), 'utf8')).toMatch(/NODE_ENV: production/);
  });
});
