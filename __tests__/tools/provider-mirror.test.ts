import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectProviderMirror, providerMirrorHint } from '../../tools/lib/terraform';

const dir = mkdtempSync(join(tmpdir(), 'provider-mirror-'));
const mirror = join(dir, 'plugins');
mkdirSync(mirror);
const missing = join(dir, 'no-such-dir');

function cliConfig(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('detecting a provider mirror', () => {
  test("trailbridge's mirror directory counts when it exists and no CLI config of the user's is set", () => {
    expect(detectProviderMirror({ TRAILBRIDGE_PROVIDER_MIRROR: mirror })).toEqual({ kind: 'trailbridge', path: mirror });
    expect(detectProviderMirror({ TRAILBRIDGE_PROVIDER_MIRROR: missing })).toBeUndefined();
  });

  test("a user's CLI config counts when it declares a filesystem or network mirror, and wins over trailbridge's", () => {
    const fs = cliConfig('fs.tfrc', 'provider_installation {\n  filesystem_mirror {\n    path = "/srv/tf"\n  }\n}\n');
    const net = cliConfig('net.tfrc', 'provider_installation {\n  network_mirror {\n    url = "https://mirror.example/"\n  }\n}\n');
    const plain = cliConfig('plain.tfrc', 'disable_checkpoint = true\n');
    expect(detectProviderMirror({ TRAILBRIDGE_PROVIDER_MIRROR: mirror, TF_CLI_CONFIG_FILE: fs })).toEqual({ kind: 'cli-config', file: fs });
    expect(detectProviderMirror({ TF_CLI_CONFIG_FILE: net, TRAILBRIDGE_PROVIDER_MIRROR: missing })).toEqual({ kind: 'cli-config', file: net });
    expect(detectProviderMirror({ TRAILBRIDGE_PROVIDER_MIRROR: mirror, TF_CLI_CONFIG_FILE: plain })).toBeUndefined();
  });

  test('a dangling TF_CLI_CONFIG_FILE does not hide the mirror (terraform ignores it)', () => {
    expect(detectProviderMirror({ TRAILBRIDGE_PROVIDER_MIRROR: mirror, TF_CLI_CONFIG_FILE: join(dir, 'gone.tfrc') })).toEqual({ kind: 'trailbridge', path: mirror });
  });
});

describe('the --skip-provider-lock hint', () => {
  test('names the mirror, the flag and the commands, and how cdktf finds the mirror', () => {
    const hint = providerMirrorHint({ TRAILBRIDGE_PROVIDER_MIRROR: mirror });
    expect(hint).toContain(`providers come from ${mirror}`);
    expect(hint).toMatch(/--skip-provider-lock to cdktf deploy, diff and destroy/);
    expect(hint).toContain(`TF_CLI_CONFIG_FILE at a CLI config with provider_installation { filesystem_mirror { path = "${mirror}" } }`);
  });

  test("with the user's own mirror config it does not tell them to write one", () => {
    const file = cliConfig('own.tfrc', 'provider_installation { filesystem_mirror { path = "/srv/tf" } }\n');
    const hint = providerMirrorHint({ TF_CLI_CONFIG_FILE: file });
    expect(hint).toContain(`providers come from the mirror in ${file}`);
    expect(hint).not.toContain('point TF_CLI_CONFIG_FILE');
  });

  test('is silent without a mirror', () => {
    expect(providerMirrorHint({ TRAILBRIDGE_PROVIDER_MIRROR: missing })).toBeUndefined();
  });

  test('the README says the same in its cdktf CLI section', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Plan and deploy with the cdktf CLI'), readme.indexOf('## End to end on an emulator'));
    expect(section).toMatch(/--skip-provider-lock/);
    expect(section).toMatch(/npm run validate.*npm run e2e|npm run e2e.*npm run validate/s);
  });
});
