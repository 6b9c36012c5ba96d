import { resolve } from 'node:path';

/**
 * The project root (this file is config/paths.ts). A module of its own, with no dependencies, so
 * tools and stacks can find project files without loading the esbuild bundling module.
 */
export const PROJECT_ROOT = resolve(__dirname, '..');
