/**
 * The command line and the local cloud are packages of their own (npm workspaces): each bundle
 * requires at run time exactly the packages its package.json depends on, so an install of either
 * has what it needs and nothing it does not, and the construct library carries neither.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BINS, buildBin, dependenciesOf } from '../../scripts/build/bins';

const ROOT = path.resolve(__dirname, '..', '..');
const manifest = (folder: string) =>
  JSON.parse(fs.readFileSync(path.join(ROOT, folder, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
    dependencies: Record<string, string>;
    bundledDependencies: string[];
    peerDependencies: Record<string, string>;
    workspaces: string[];
  };

describe.each(BINS)('the $workspace package', (bin) => {
  it('depends on exactly the packages its bundle requires', () => {
    expect(buildBin(bin, { write: false })).toEqual([...dependenciesOf(bin.workspace)].sort());
  });

  it('has a bin that runs with plain node', () => {
    const [command] = Object.values(manifest(bin.workspace).bin);
    const shim = fs.readFileSync(path.join(ROOT, bin.workspace, command!), 'utf8');
    expect(shim.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(shim).toContain(`require('../${path.relative(bin.workspace, bin.outfile)}')`);
    expect(shim).not.toMatch(/tsx|ts-node/);
  });
});

it('the construct library depends on nothing but zod, bundled, and the CDK as peers', () => {
  const library = manifest('.');
  expect(library.dependencies).toEqual({ zod: expect.any(String) });
  expect(library.bundledDependencies).toEqual(['zod']);
  expect(Object.keys(library.peerDependencies).sort()).toEqual(['aws-cdk-lib', 'constructs']);
  expect(library.workspaces).toEqual(BINS.map((bin) => bin.workspace));
});
