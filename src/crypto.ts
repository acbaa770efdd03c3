import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// AES-256-GCM for secrets at rest (WhatsApp tokens, webhook secrets). Stored as
// "v1.<iv>.<tag>.<ciphertext>" in base64url so a future key rotation can add v2.
export class SecretBox {
  private readonly key: Buffer;

  constructor(key: string) {
    const raw = /^[0-9a-f]{64}$/i.test(key) ? Buffer.from(key, 'hex') : Buffer.from(key, 'base64');
    if (raw.length !== 32) throw new Error('KABAR_ENCRYPTION_KEY must be 32 bytes, as 64 hex characters or base64');
    this.key = raw;
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), data]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  open(sealed: string): string {
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('Unrecognised secret format');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }

  // Never printed by console.log, util.inspect or JSON.stringify.
  toJSON(): string {
    return '[SecretBox]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[SecretBox]';
  }
}

export function generateKey(): string {
  return randomBytes(32).toString('hex');
}
