// CPU per SigV4 signature of an SES SendEmail request: Kabar's former hand-written signer
// (bench/lib/sigv4-handwritten.ts) against @smithy/signature-v4, the SDK's signer, which Kabar now
// signs with (src/channels/sigv4.ts), on the same request. 20,000 each, after a warm-up, in
// alternating rounds so both see the same machine. docs/decisions/0001-sigv4.md.
//   bash scripts/node.sh --import tsx bench/sigv4.ts
import { signSigV4 as smithySign } from '../src/channels/sigv4.js';
import { signSigV4 } from './lib/sigv4-handwritten.js';

const N = 20_000;
const url = new URL('https://email.ap-southeast-1.amazonaws.com/');
const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const body = `Action=SendEmail&Version=2010-12-01&Source=no-reply%40kabar.example&Destination.ToAddresses.member.1=siti%40example.id&Message.Subject.Data=Janji%20temu&Message.Body.Text.Data=${'Halo%20Siti%2C%20'.repeat(40)}&Message.Body.Html.Data=${'%3Cp%3EHalo%3C%2Fp%3E'.repeat(60)}`;
const headers = { 'content-type': 'application/x-www-form-urlencoded' };

async function ours(i: number) {
  return signSigV4(
    { url, method: 'POST', headers, body },
    creds,
    'ap-southeast-1',
    'ses',
    new Date(1_764_000_000_000 + i),
  ).authorization;
}
async function sdk(i: number) {
  return (
    await smithySign(
      { url, method: 'POST', headers, body },
      creds,
      'ap-southeast-1',
      'ses',
      new Date(1_764_000_000_000 + i),
    )
  ).authorization;
}

async function cpuMicros(fn: (i: number) => Promise<unknown>, n: number): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn(i);
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

if ((await ours(0)) !== (await sdk(0))) throw new Error('the two signers disagree');
await cpuMicros(ours, 2000);
await cpuMicros(sdk, 2000);
const totals = { ours: 0, sdk: 0 };
for (let round = 0; round < 4; round++) {
  totals.ours += await cpuMicros(ours, N / 4);
  totals.sdk += await cpuMicros(sdk, N / 4);
}
const per = (us: number) => (us / N).toFixed(1);
console.log(`SigV4, ${N} signatures each (body ${body.length} bytes):`);
console.log(`  hand-written (before)   ${(totals.ours / 1000).toFixed(0)} ms CPU, ${per(totals.ours)} µs/signature`);
console.log(`  @smithy/signature-v4    ${(totals.sdk / 1000).toFixed(0)} ms CPU, ${per(totals.sdk)} µs/signature`);
console.log(
  `  difference              ${per(totals.sdk - totals.ours)} µs/signature (${(totals.sdk / totals.ours).toFixed(2)}×)`,
);
