import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { loadConfig } from '../../src/config.js';
import { demoTokens, ensureDemoTenant } from '../../src/embedded.js';
import { channelsFor, startRuntime } from '../../src/runtime.js';

/**
 * docs/walkthrough.md, run as written against embedded mode (what `npm start` runs): every
 * ```graphql and ```http block in order, and each `npm run --silent cli -- …` command in a ```sh
 * block (other sh blocks are for the reader). Conventions, as the page explains them:
 * `{{name}}` placeholders, and `# as: token`, `# save: name = path`, `# expect: path = value` comments.
 */
export interface Block {
  lang: string;
  body: string;
  /** Where the block starts in the page, for failure messages. */
  line: number;
}

export function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const re = /^```(\w+)\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(markdown); m; m = re.exec(markdown))
    blocks.push({ lang: m[1]!, body: m[2]!, line: markdown.slice(0, m.index).split('\n').length });
  return blocks;
}

/** `a.b[0].c` in a JSON value. */
export function at(value: unknown, path: string): unknown {
  return path
    .split(/\.|(?=\[)/)
    .filter(Boolean)
    .reduce<unknown>((v, key) => {
      const index = /^\[(\d+)\]$/.exec(key);
      return v == null ? undefined : index ? (v as unknown[])[Number(index[1])] : (v as Record<string, unknown>)[key];
    }, value);
}

const directives = (body: string, name: string) =>
  body.split('\n').flatMap((l) => {
    const m = new RegExp(`^# ${name}:\\s*(.*)$`).exec(l.trim());
    return m ? [m[1]!.trim()] : [];
  });
const pair = (s: string) => {
  const i = s.indexOf('=');
  return i < 0 ? ([s.trim(), ''] as const) : ([s.slice(0, i).trim(), s.slice(i + 1).trim()] as const);
};

describe('docs/walkthrough.md', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kabar-walkthrough-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs step by step against embedded mode and ends with the messages SENT', async () => {
    const page = readFileSync(new URL('../../docs/walkthrough.md', import.meta.url), 'utf8');
    const env = { KABAR_DATA_DIR: dir, LOG_LEVEL: 'silent' };
    const config = loadConfig(env);
    const runtime = await startRuntime(config, { channels: channelsFor(config), port: 0, host: '127.0.0.1' });
    try {
      const server = runtime.server!;
      const base = server.url.replace(/\/graphql$/, '');
      // The CLI runs in the same folder and environment as `npm start`, so it finds that Kabar on PORT.
      const cliEnv = { ...env, PORT: new URL(server.url).port };
      // What `npm start` prints: the demo tenant's tokens.
      const vars: Record<string, string> = {
        platformToken: (await demoTokens(runtime.app!, await ensureDemoTenant(runtime.core))).PLATFORM_ADMIN,
      };
      const fill = (text: string) =>
        text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
          if (!(name in vars)) throw new Error(`{{${name}}} is used before a step saves it`);
          return vars[name]!;
        });

      let ran = 0;
      for (const block of fencedBlocks(page)) {
        const where = `docs/walkthrough.md:${block.line}`;
        let answer: () => Promise<unknown>;
        let retry = false;
        if (block.lang === 'graphql') {
          const token = directives(block.body, 'as')[0];
          if (!token) throw new Error(`${where}: a graphql block needs "# as: <token>"`);
          const query = fill(block.body);
          const operation = query.replace(/^#.*$/gm, '').trim();
          retry = operation.startsWith('query') || operation.startsWith('{');
          answer = async () => {
            const res = await fetch(server.url, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${fill(`{{${token}}}`)}` },
              body: JSON.stringify({ query }),
            });
            const body = (await res.json()) as { data?: unknown; errors?: unknown };
            expect(body.errors, `${where}: ${JSON.stringify(body.errors)}`).toBeUndefined();
            return body.data;
          };
        } else if (block.lang === 'http') {
          const [head, ...rest] = fill(block.body)
            .replace(/^#.*\n/gm, '')
            .split(/\n\n/);
          const [requestLine, ...headerLines] = head!.trim().split('\n');
          const [method, url] = requestLine!.split(/\s+/) as [string, string];
          const headers = Object.fromEntries(
            headerLines.map((h) => [h.slice(0, h.indexOf(':')).trim(), h.slice(h.indexOf(':') + 1).trim()]),
          );
          answer = async () => {
            const res = await fetch(`${base}${new URL(url).pathname}`, {
              method,
              headers,
              body: rest.join('\n\n') || undefined,
            });
            const body = await res.json();
            expect(res.ok, `${where}: ${res.status} ${JSON.stringify(body)}`).toBe(true);
            return body;
          };
        } else if (block.lang === 'sh') {
          const command = block.body.split('\n').find((l) => l.startsWith('npm run --silent cli -- '));
          if (!command) continue; // for the reader (npm install, npm start)
          const argv = fill(command).slice('npm run --silent cli -- '.length).trim().split(/\s+/);
          answer = async () => {
            let out = '';
            const code = await runCli(argv, { out: (s) => void (out += s), err: () => {}, env: cliEnv });
            expect(code, `${where}: ${command}`).toBe(0);
            return out.trim();
          };
        } else continue;

        // Deliveries are made in the background: a query whose expectations do not hold yet is asked again.
        const expectations = directives(block.body, 'expect').map(pair);
        const deadline = Date.now() + 15_000;
        let data: unknown;
        for (;;) {
          data = await answer();
          const wrong = expectations.filter(([path, value]) => String(at(data, path)) !== value);
          if (wrong.length === 0) break;
          if (!retry || Date.now() > deadline) {
            throw new Error(
              `${where}: expected ${wrong.map(([p, v]) => `${p} = ${v}`).join(', ')}; got ${JSON.stringify(data)}`,
            );
          }
          await new Promise((r) => setTimeout(r, 200));
        }
        for (const [name, path] of directives(block.body, 'save').map(pair)) {
          const value = path ? at(data, path) : data;
          if (typeof value !== 'string' || !value)
            throw new Error(`${where}: nothing to save as ${name} at ${path || 'the output'}: ${JSON.stringify(data)}`);
          vars[name] = value;
        }
        ran++;
      }
      // Every step of the page ran: a renamed fence cannot silently drop a step.
      expect(ran).toBeGreaterThanOrEqual(12);
    } finally {
      await runtime.stop();
    }
  }, 90_000);
});
