#!/usr/bin/env node
// Generates the API reference (plain HTML, TypeDoc's default theme) into docs/api/.
//
//   npm run docs:api                  # regenerate docs/api/
//   npm run docs:api -- --json out.json   # also write TypeDoc's JSON model
//   npm run docs:api -- --allow-warnings  # exit 0 even if TypeDoc warned
//
// Options live in typedoc.json; this script adds what a static file cannot say:
//
// - the secondary entry point `ngx-oidc/testing` (projects/ngx-oidc/testing/public-api.ts),
//   documented when it exists. tsconfig.lib.json only includes src/, so a temporary tsconfig
//   that extends it and also includes testing/ is used then;
// - module names as users import them (`ngx-oidc`, `ngx-oidc/testing`) instead of file paths;
// - comment links to the internal `OidcClient` are pointed at the public `AuthService` member of
//   the same name (AuthService is OidcClient's Angular facade), instead of a dead link;
// - a non-zero exit status when TypeDoc reports a warning, so broken `{@link}`s and exported
//   types that reference unexported ones are noticed. The output is written anyway.
//
// No network access: sources are not linked (disableSources), nothing external is fetched.
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application, Converter, PackageJsonReader, ReflectionSymbolId, TSConfigReader, TypeDocReader } from 'typedoc';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const allowWarnings = args.includes('--allow-warnings');
const jsonIndex = args.indexOf('--json');
const jsonOut = jsonIndex >= 0 ? args[jsonIndex + 1] : undefined;
if (jsonIndex >= 0 && !jsonOut) {
  console.error('--json needs a file name');
  process.exit(1);
}

const libDir = join(root, 'projects/ngx-oidc');
const mainEntry = join(libDir, 'src/public-api.ts');
const testingEntry = join(libDir, 'testing/public-api.ts');
const hasTesting = exists(testingEntry);

const overrides = {};
let tempDir;
if (hasTesting) {
  tempDir = mkdtempSync(join(tmpdir(), 'ngx-oidc-api-docs-'));
  const tsconfig = join(tempDir, 'tsconfig.json');
  // include/exclude of an extending config replace the base's and resolve against the new
  // file's folder, hence absolute paths.
  writeFileSync(
    tsconfig,
    JSON.stringify(
      {
        extends: join(libDir, 'tsconfig.lib.json'),
        include: [join(libDir, 'src/**/*.ts'), join(libDir, 'testing/**/*.ts')],
        exclude: [join(libDir, '**/*.spec.ts'), join(libDir, 'src/test-support/**')],
      },
      null,
      2,
    ),
  );
  Object.assign(overrides, { entryPoints: [mainEntry, testingEntry], tsconfig });
}

// Applied after typedoc.json and before the tsconfig is read, so that the tsconfig's files
// are the ones of the overriding tsconfig.
const overrideReader = {
  name: 'api-docs-overrides',
  order: 175, // after typedoc.json (100) and package.json (150), before tsconfig.json (200)
  supportsPackages: false,
  read(container) {
    for (const [name, value] of Object.entries(overrides)) container.setValue(name, value);
  },
};

let status = 0;
try {
  const app = await Application.bootstrapWithPlugins({ options: join(root, 'typedoc.json') }, [
    new TypeDocReader(),
    new PackageJsonReader(),
    overrideReader,
    new TSConfigReader(),
  ]);
  const outDir = resolve(root, app.options.getValue('out'));

  // Module names as imported by users (only present with several entry points).
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const child of context.project.children ?? []) {
      if (/(^|\/)testing(\/public-api)?$/.test(child.name)) child.name = 'ngx-oidc/testing';
      else if (/(^|\/)src(\/public-api)?$/.test(child.name)) child.name = 'ngx-oidc';
    }
  });

  // After TypeDoc resolved links (priority -300): OidcClient.x → AuthService.x.
  app.converter.on(
    Converter.EVENT_RESOLVE_END,
    (context) => {
      const project = context.project;
      const retarget = (parts) => {
        for (const part of parts ?? []) {
          if (part.kind !== 'inline-tag' || !(part.target instanceof ReflectionSymbolId)) continue;
          const match = /^OidcClient\.(\w+)$/.exec(part.target.qualifiedName);
          const facade = match && findMember(project, 'AuthService', match[1]);
          if (!facade) continue;
          if (part.text.trim() === part.target.qualifiedName) part.text = `AuthService.${match[1]}`;
          part.target = facade;
        }
      };
      for (const reflection of Object.values(project.reflections)) {
        if (!reflection.comment) continue;
        retarget(reflection.comment.summary);
        for (const tag of reflection.comment.blockTags) retarget(tag.content);
      }
    },
    -400,
  );

  const project = await app.convert();
  if (!project) fail('TypeDoc could not convert the project (see the errors above).');
  app.validate(project);
  if (app.logger.hasErrors()) fail('TypeDoc reported errors (see above).');
  await app.generateDocs(project, outDir);
  if (jsonOut) await app.generateJson(project, resolve(process.cwd(), jsonOut));
  if (app.logger.hasErrors()) fail('TypeDoc reported errors (see above).');

  const { files, bytes } = sizeOf(outDir);
  console.log(
    `API reference: ${relative(process.cwd(), outDir) || '.'}/ (${files} files, ${(bytes / 1024).toFixed(0)} KiB)` +
      (hasTesting ? ', entry points ngx-oidc and ngx-oidc/testing' : ''),
  );
  if (app.logger.hasWarnings() && !allowWarnings) {
    console.error('TypeDoc reported warnings (see above); fix the TSDoc, or pass --allow-warnings.');
    status = 1;
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  status = 1;
} finally {
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
}
process.exitCode = status;

function findMember(project, className, memberName) {
  for (const reflection of Object.values(project.reflections)) {
    if (reflection.name === className && reflection.kindOf?.(128 /* Class */)) {
      return reflection.getChildByName?.(memberName);
    }
  }
  return undefined;
}

function exists(path) {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function sizeOf(dir) {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    files += 1;
    bytes += statSync(join(entry.parentPath ?? entry.path, entry.name)).size;
  }
  return { files, bytes };
}

function fail(message) {
  throw new Error(message);
}
