import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toolMissing } from '../support/required-tools';

describe('the tests probe the binary the tools run', () => {
  test('moto_server: MOTO_SERVER_BIN, as startMoto runs it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'required-tools-'));
    const fake = join(dir, 'my-moto');
    writeFileSync(fake, '#!/bin/sh\nexit 0\n');
    chmodSync(fake, 0o755);
    expect(toolMissing('moto_server', { ...process.env, MOTO_SERVER_BIN: fake })).toBeUndefined();
    expect(toolMissing('moto_server', { ...process.env, MOTO_SERVER_BIN: join(dir, 'no-such-moto') })).toMatch(/no-such-moto is not on PATH/);
  });

  test('terraform: TERRAFORM_BIN', () => {
    const dir = mkdtempSync(join(tmpdir(), 'required-tools-'));
    expect(toolMissing('terraform', { ...process.env, TERRAFORM_BIN: join(dir, 'no-such-terraform') })).toMatch(/no-such-terraform is not on PATH/);
  });
});
