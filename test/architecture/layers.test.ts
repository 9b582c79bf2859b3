/**
 * The house rules, checked on every import of `src/`, `functions/` and `infra/`, so that a change that breaks a layer
 * fails naming the file and the import instead of eroding the structure quietly:
 * - the adapters (`store`, `backends`, `credentials`) never import the domain or the API;
 * - `lifecycle` imports no SDK, no Node built-in and no platform code, and reaches the store only through its
 *   `persistence/` folder (and the store port's types);
 * - a folder with an `index.ts` is entered only through it (or through `node.ts`, the door of Node-only parts);
 * - the typed client (`src/client`) is web-standard, and the CLI (`src/cli`) reaches the API only through it;
 * - no two files import each other, even through a chain (type-only imports included).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(join(root, path)).isDirectory()) return sourceFiles(path);
    return /\.(ts|mjs)$/.test(entry) ? [path] : [];
  });
}

interface Import {
  from: string;
  specifier: string;
  /** The file it resolves to (repository-relative), for relative specifiers. */
  target?: string;
}

// Single or double quotes: a double-quoted import must not slip past the rules (the formatter would only restyle it).
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s*(['"])([^'"]+)\1|import\(\s*(['"])([^'"]+)\3\s*\)|(?:^|\n)\s*import\s+(['"])([^'"]+)\5/g;

function resolveFile(from: string, specifier: string): string | undefined {
  const base = normalize(join(dirname(from), specifier));
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    try {
      if (statSync(join(root, candidate)).isFile()) return candidate;
    } catch {}
  }
  return undefined;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(join(root, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  return [...text.matchAll(IMPORT)].map((m) => {
    const specifier = (m[2] ?? m[4] ?? m[6])!;
    return specifier.startsWith('.')
      ? { from: file, specifier, target: resolveFile(file, specifier) }
      : { from: file, specifier };
  });
}

const files = ['src', 'functions', 'infra'].flatMap(sourceFiles);
const imports = files.flatMap(importsOf);
const inside = (file: string, dir: string) => file.startsWith(`${dir}/`);
const describeImport = (i: Import) => `${i.from} imports '${i.specifier}'`;

describe('the layers of the house', () => {
  it('resolves every relative import (so the rules below see every arrow)', () => {
    expect(imports.filter((i) => i.specifier.startsWith('.') && !i.target).map(describeImport)).toEqual([]);
  });

  it('keeps the store, backend and credential adapters free of the lifecycle and the API', () => {
    const offending = imports.filter(
      (i) =>
        ['src/store', 'src/backends', 'src/credentials'].some((dir) => inside(i.from, dir)) &&
        i.target !== undefined &&
        (inside(i.target, 'src/lifecycle') || inside(i.target, 'src/api')),
    );
    expect(offending.map(describeImport)).toEqual([]);
  });

  it('keeps the lifecycle free of SDKs, Node built-ins and platform code', () => {
    const allowed = [
      'src/lifecycle',
      'src/errors.ts',
      'src/names.ts',
      'src/store',
      'src/backends/port.ts',
      'src/credentials/port.ts',
    ];
    // Pure libraries, each wrapped in the one module allowed to import it (no I/O, no timers started).
    const pureLibraries: Record<string, string> = { croner: 'src/lifecycle/model/schedule.ts' };
    const offending = imports.filter(
      (i) =>
        inside(i.from, 'src/lifecycle') &&
        pureLibraries[i.specifier] !== i.from &&
        (i.target === undefined || !allowed.some((a) => i.target === a || inside(i.target!, a))),
    );
    expect(offending.map(describeImport)).toEqual([]);
  });

  it('lets the lifecycle reach the store only through persistence/ (and the port for types)', () => {
    const offending = imports.filter(
      (i) =>
        inside(i.from, 'src/lifecycle') &&
        !inside(i.from, 'src/lifecycle/persistence') &&
        i.target !== undefined &&
        inside(i.target, 'src/store') &&
        i.target !== 'src/store/port.ts',
    );
    expect(offending.map(describeImport)).toEqual([]);
  });

  it('keeps the typed client web-standard: it imports its own files and openapi-fetch, nothing else', () => {
    const offending = imports.filter(
      (i) =>
        inside(i.from, 'src/client') &&
        (i.target === undefined ? i.specifier !== 'openapi-fetch' : !inside(i.target, 'src/client')),
    );
    expect(offending.map(describeImport)).toEqual([]);
  });

  it('lets the CLI reach the orchestrator only through the typed client, never its server code', () => {
    const offending = imports.filter(
      (i) =>
        inside(i.from, 'src/cli') &&
        i.target !== undefined &&
        !inside(i.target, 'src/cli') &&
        i.target !== 'src/client/index.ts',
    );
    expect(offending.map(describeImport)).toEqual([]);
  });

  it('lets CLI commands call the API only through the typed client, never with fetch of their own', () => {
    // The client is made once, in context.ts, with the target's URL, key and fetch; a command that builds its own
    // requests skips the compiler's check of paths, bodies and answers against the OpenAPI document.
    const offending = files.filter(
      (file) =>
        inside(file, 'src/cli/commands') &&
        /\bfetch\s*\(|\.fetch\b|new Request\(/.test(
          readFileSync(join(root, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, ''),
        ),
    );
    expect(offending).toEqual([]);
  });

  it('enters a folder that has an index.ts only through its door', () => {
    const doors = new Set(files.filter((f) => f.endsWith('/index.ts')).map((f) => dirname(f)));
    const offending = imports.filter((i) => {
      if (!i.target) return false;
      // The outermost folder with a door that holds the target but not the importer.
      let dir = dirname(i.target);
      let door: string | undefined;
      while (dir !== '.' && !inside(i.from, dir)) {
        if (doors.has(dir)) door = dir;
        dir = dirname(dir);
      }
      return door !== undefined && i.target !== `${door}/index.ts` && i.target !== `${door}/node.ts`;
    });
    expect(offending.map(describeImport)).toEqual([]);
  });

  it('makes a folder of every file-name prefix that three or more files of one folder share', () => {
    const byFolder = new Map<string, string[]>();
    for (const file of files.filter((f) => f.startsWith('src/') && f.endsWith('.ts'))) {
      const name = file.slice(file.lastIndexOf('/') + 1, -'.ts'.length);
      if (name === 'index') continue;
      byFolder.set(dirname(file), [...(byFolder.get(dirname(file)) ?? []), name]);
    }
    const families: string[] = [];
    for (const [folder, names] of byFolder) {
      const prefixes = new Set(names.filter((n) => n.includes('-')).map((n) => n.split('-')[0]!));
      for (const prefix of prefixes) {
        const members = names.filter((n) => n === prefix || n.startsWith(`${prefix}-`));
        if (members.length >= 3) families.push(`${folder}: ${members.join(', ')}`);
      }
    }
    expect(families).toEqual([]);
  });

  it('has no import cycles, type-only ones included', () => {
    const edges = new Map<string, string[]>();
    for (const i of imports) if (i.target) edges.set(i.from, [...(edges.get(i.from) ?? []), i.target]);
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative('src', f)).join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const next of edges.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
