import { unzipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { bundleFunction } from '../stacks/constructs/bundle';
const b = bundleFunction('forwarder');
const files = unzipSync(readFileSync(b.zipPath));
console.log('zip', b.zipBytes, Object.entries(files).map(([k, v]) => `${k}=${v.length}`).join(' '));
