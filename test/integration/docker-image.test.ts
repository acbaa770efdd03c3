import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { generateKey } from '../../src/crypto.js';
import { JWT } from '../helpers/app.js';
import { freePort } from '../helpers/net.js';

// The image without a Docker engine: what the Dockerfile copies, installed as it installs it
// (production dependencies only), started with its CMD and ENV, must serve. Catches a COPY of a
// file that is gone, a runtime import of a devDependency (tsx must be a dependency), a CMD that
// no longer starts.

const ROOT = resolve(import.meta.dirname, '../..');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
const instructions = dockerfile
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

/** .dockerignore as Docker reads it: root-anchored globs, a match excludes its subtree, `!` re-includes, last match wins. */
function ignored(path: string, patterns: string[]): boolean {
  let out = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const glob = (negate ? raw.slice(1) : raw).replace(/^\/+|\/+$/g, '');
    const re = new RegExp(
      `^${glob
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')}(/.*)?$`,
    );
    if (re.test(path)) out = !negate;
  }
  return out;
}

/** The build context: the repository's files (tracked or new, not git-ignored) minus .dockerignore. */
function contextFiles(): string[] {
  const patterns = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
  return files.filter((f) => existsSync(join(ROOT, f)) && !ignored(f, patterns));
}

/** Lays out WORKDIR as the Dockerfile's COPY instructions do. */
function copyLikeDocker(app: string): void {
  const context = contextFiles();
  for (const line of instructions) {
    const m = /^COPY\s+(.*)$/i.exec(line);
    if (!m) continue;
    const args = m[1]!.trim().startsWith('[')
      ? (JSON.parse(m[1]!) as string[])
      : m[1]!.split(/\s+/).filter((a) => !a.startsWith('--'));
    const dest = join(app, args.at(-1)!);
    for (const src of args.slice(0, -1)) {
      if (src === '.') {
        for (const f of context) {
          mkdirSync(dirname(join(dest, f)), { recursive: true });
          cpSync(join(ROOT, f), join(dest, f));
        }
      } else {
        const to = args.at(-1)!.endsWith('/') || args.length > 2 ? join(dest, src.split('/').at(-1)!) : dest;
        mkdirSync(dirname(to), { recursive: true });
        cpSync(join(ROOT, src), to, { recursive: true });
      }
    }
  }
}

describe('the Docker image, built without Docker', () => {
  // On the repository's file system (hard links below), in a folder git and .dockerignore both skip.
  mkdirSync(join(ROOT, '.scratch'), { recursive: true });
  const scratch = mkdtempSync(join(ROOT, '.scratch', 'image-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('starts with its CMD from a clean copy with production dependencies only, and serves /readyz', async () => {
    const app = join(scratch, 'app');
    mkdirSync(app);
    copyLikeDocker(app);
    expect(existsSync(join(app, 'test')), 'test/ is not in the image').toBe(false);
    // `npm ci --omit=dev`, offline: hard links of the installed tree (nothing is written through
    // them: npm prune only removes), without npm's own record of it, then pruned.
    execFileSync('cp', ['-al', realpathSync(join(ROOT, 'node_modules')), join(app, 'node_modules')]);
    rmSync(join(app, 'node_modules', '.package-lock.json'), { force: true });
    execFileSync('npm', ['prune', '--omit=dev', '--no-audit', '--no-fund', '--offline'], {
      cwd: app,
      stdio: 'ignore',
      timeout: 240_000,
    });
    for (const dev of ['typescript', 'vitest', 'drizzle-kit'])
      expect(existsSync(join(app, 'node_modules', dev)), `${dev} pruned`).toBe(false);
    expect(existsSync(join(app, 'node_modules', 'tsx')), 'tsx is a runtime dependency').toBe(true);

    const cmd = /^CMD\s+(\[.*\])$/m.exec(instructions.join('\n'));
    expect(cmd, 'CMD in exec form').not.toBeNull();
    const [exe, ...args] = JSON.parse(cmd![1]!) as string[];
    expect(exe).toBe('node');
    const env = Object.fromEntries(
      instructions
        .filter((l) => /^ENV\s/i.test(l))
        .flatMap((l) =>
          l
            .slice(4)
            .trim()
            .split(/\s+/)
            .map((kv) => kv.split('=') as [string, string]),
        ),
    );
    expect(env.NODE_ENV).toBe('production');
    const port = await freePort();
    const child = spawn(process.execPath, args, {
      cwd: app,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: app,
        ...env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        DATABASE_URL: inject('databaseUrl'),
        KABAR_JWT_SECRET: JWT.secret,
        KABAR_ENCRYPTION_KEY: generateKey(),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => void (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => void (output += c.toString('utf8')));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    process.once('exit', () => child.kill('SIGKILL'));
    try {
      let status = 0;
      for (
        const deadline = Date.now() + 180_000;
        status !== 200 && Date.now() < deadline && child.exitCode === null;
      ) {
        status = await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.status,
          () => 0,
        );
        if (status !== 200) await new Promise((r) => setTimeout(r, 500));
      }
      expect(status, output.slice(-2000)).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, output.slice(-2000)).toBe(0);
  }, 480_000);
});
