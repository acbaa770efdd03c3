import { printProfile, summarizeProfile } from './lib/profile.js';

// node --import tsx bench/profile-summary.ts bench/results/dispatcher-e2e.cpuprofile.json
const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node --import tsx bench/profile-summary.ts <file.cpuprofile>\n');
  process.exit(2);
}
printProfile(summarizeProfile(file, 40));
