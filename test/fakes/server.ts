import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// Shared plumbing for the fake providers: a loopback HTTP server, and fault injection.

/**
 * timeout: the request hangs and is dropped, never accepted. late (WhatsApp, SES and SMS fakes): accepted
 * and recorded (its receipt goes out), but answered only after the hang: to the client, a timeout.
 * Every fake validates a request first: a fault strikes only a request the provider would have taken.
 */
export type FaultKind = 'timeout' | 'late' | '429' | '5xx' | 'permanent';
/** The kinds a random failure rate draws from ('late' only on request). */
export const FAULT_KINDS: readonly FaultKind[] = ['timeout', '429', '5xx', 'permanent'];

export interface Fault {
  kind: FaultKind;
  /** Provider-specific code overriding the fake's default for this kind (e.g. 131008, 'ConfigurationSetDoesNotExist'). */
  code?: string | number;
}

/** mulberry32: tiny, seeded, good enough to make reliability tests reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Decides, request by request, whether to misbehave: queued faults first, then a random rate. */
export class FaultPlan {
  private queue: Fault[] = [];
  private rate = 0;
  private kinds: readonly FaultKind[] = FAULT_KINDS;
  private random = seededRandom(1);

  fail(n: number, kind: FaultKind, code?: string | number): void {
    for (let i = 0; i < n; i++) this.queue.push(code === undefined ? { kind } : { kind, code });
  }

  failureRate(p: number, kinds: readonly FaultKind[] = FAULT_KINDS, seed = 42): void {
    this.rate = p;
    this.kinds = kinds;
    this.random = seededRandom(seed);
  }

  next(): Fault | null {
    const queued = this.queue.shift();
    if (queued) return queued;
    if (this.rate > 0 && this.random() < this.rate) {
      return { kind: this.kinds[Math.floor(this.random() * this.kinds.length)] ?? 'timeout' };
    }
    return null;
  }

  reset(): void {
    this.queue = [];
    this.rate = 0;
  }
}

export interface FakeRequest {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
}

export interface FakeServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** A loopback server whose handler gets the whole body; closing drops hung connections. */
export async function startFakeServer(handler: (r: FakeRequest) => void | Promise<void>): Promise<FakeServer> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      Promise.resolve(
        handler({
          req,
          res,
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      ).catch((err: unknown) => {
        if (!res.headersSent) send(res, 500, { 'content-type': 'text/plain' }, `fake crashed: ${String(err)}`);
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  send(res, status, { 'content-type': 'application/json; charset=utf-8', ...headers }, JSON.stringify(body));
}

/** Never answers within any sane client timeout; the socket is dropped after `ms` (or on close). */
export function hang(res: ServerResponse, ms: number): void {
  setTimeout(() => res.socket?.destroy(), ms).unref();
}

/** What every fake exposes for fault injection and inspection. */
export interface FaultControls {
  /** The next n requests fail with this kind (optionally a specific provider code). */
  fail(n: number, kind: FaultKind, code?: string | number): void;
  /** Each later request fails with probability p, kind drawn from kinds, reproducibly from seed. */
  failureRate(p: number, kinds?: readonly FaultKind[], seed?: number): void;
  /** Requests that reached the fake, accepted or not. */
  readonly attempts: number;
  /** Clears received requests, queued faults and the failure rate. */
  reset(): void;
  close(): Promise<void>;
}

/** Adds the shared fault controls to a fake: one place for fail/failureRate/attempts/reset/close. */
export function withControls<T extends object>(
  fake: T,
  plan: FaultPlan,
  server: FakeServer,
  counter: { attempts: number },
  lists: unknown[][],
  onReset?: () => void,
): T & FaultControls {
  return Object.defineProperties(fake, {
    fail: { value: (n: number, kind: FaultKind, code?: string | number) => plan.fail(n, kind, code) },
    failureRate: {
      value: (p: number, kinds?: readonly FaultKind[], seed?: number) => plan.failureRate(p, kinds, seed),
    },
    attempts: { get: () => counter.attempts, enumerable: true },
    reset: {
      value: () => {
        plan.reset();
        for (const l of lists) l.length = 0;
        counter.attempts = 0;
        onReset?.();
      },
    },
    close: { value: () => server.close() },
  }) as T & FaultControls;
}
