/** What `ng add` reads from angular.json, and the static page it adds next to the app. */
import { posix } from 'node:path';
import type { Rule } from '@angular-devkit/schematics';
import {
  type ProjectDefinition,
  type WorkspaceDefinition,
  updateWorkspace,
} from '@schematics/angular/utility';
import { fail } from './options';

export const SILENT_CALLBACK_HTML =
  `<!doctype html><meta charset="utf-8"><title>Signing in…</title>` +
  `<script>parent.postMessage({ source: 'ngx-oidc', url: location.href }, location.origin);</script>\n`;

/** The application to edit: `--project`, else the default project, else the first application. */
export function resolveProject(
  workspace: WorkspaceDefinition,
  name: string | undefined,
): { name: string; project: ProjectDefinition } {
  if (name) {
    const project = workspace.projects.get(name);
    if (!project) fail(`there is no project "${name}" in angular.json`);
    if (project.extensions['projectType'] !== 'application') {
      fail(`project "${name}" is a ${String(project.extensions['projectType'])}, not an application`);
    }
    return { name, project };
  }
  const defaultName = workspace.extensions['defaultProject'];
  if (typeof defaultName === 'string') {
    const project = workspace.projects.get(defaultName);
    if (project?.extensions['projectType'] === 'application') return { name: defaultName, project };
  }
  for (const [projectName, project] of workspace.projects) {
    if (project.extensions['projectType'] === 'application') return { name: projectName, project };
  }
  fail('this workspace has no application project; create one with `ng generate application`');
}

export function normalize(path: string): string {
  return posix.normalize(path.replace(/\\/g, '/')).replace(/^\.\//, '').replace(/^\/+|\/+$/g, '');
}

/** The options of a target in its default configuration (`configurations[name]` over `options`). */
function targetOptions(project: ProjectDefinition, target: string): Record<string, unknown> {
  const definition = project.targets.get(target);
  if (!definition) return {};
  const name = definition.defaultConfiguration;
  const configuration = name ? definition.configurations?.[name] : undefined;
  return { ...definition.options, ...configuration };
}

/** The browser entry point (`browser` of the application builder, `main` of the older ones). */
export function mainFilePath(project: ProjectDefinition): string | undefined {
  const options = project.targets.get('build')?.options ?? {};
  const main = options['browser'] ?? options['main'];
  return typeof main === 'string' ? `/${normalize(main)}` : undefined;
}

/** Whether the app renders on the server (`ng new --ssr`, `ng add @angular/ssr`). */
export function isServerRendered(project: ProjectDefinition): boolean {
  const options = project.targets.get('build')?.options ?? {};
  return Boolean(options['server'] || options['ssr']) || project.targets.has('server');
}

/** The origin `ng serve` serves the app on: its `host`, `port` and `ssl` options. */
export function developmentOrigin(project: ProjectDefinition): string {
  const options = targetOptions(project, 'serve');
  const ssl = options['ssl'] === true;
  const port = typeof options['port'] === 'number' && options['port'] > 0 ? options['port'] : 4200;
  let host = typeof options['host'] === 'string' && options['host'] ? options['host'] : 'localhost';
  // A wildcard address is where the server listens, not where a browser goes.
  if (host === '0.0.0.0' || host === '::' || host === '[::]') host = 'localhost';
  if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`;
  return `${ssl ? 'https' : 'http'}://${host}:${port}`;
}

/** Where `ng build` writes the server of a server-rendered app (`dist/<app>/server/server.mjs`). */
export function serverEntryPath(projectName: string, project: ProjectDefinition): string {
  const output = project.targets.get('build')?.options?.['outputPath'];
  const base =
    typeof output === 'string'
      ? output
      : output && typeof output === 'object' && typeof (output as { base?: unknown }).base === 'string'
        ? (output as { base: string }).base
        : `dist/${projectName}`;
  return posix.join(normalize(base), 'server', 'server.mjs');
}

type AssetEntry = string | { input?: string; glob?: string };

/**
 * Adds `silent-callback.html` to the app's static files (public/, or src/ plus an `assets`
 * entry in older layouts), unless a file of that name is already there.
 */
export function silentCallbackRule(projectName: string, project: ProjectDefinition): Rule {
  return async (tree, context) => {
    const root = normalize(project.root || '.');
    const sourceRoot = normalize(project.sourceRoot ?? posix.join(root, 'src'));
    const publicDir = normalize(posix.join(root, 'public'));
    const assets = (project.targets.get('build')?.options?.['assets'] ?? []) as AssetEntry[];
    const usesPublic =
      assets.some((a) => typeof a === 'object' && a.input && normalize(a.input) === publicDir) ||
      tree.getDir(publicDir || '/').subfiles.length > 0;

    const file = posix.join(usesPublic ? publicDir : sourceRoot, 'silent-callback.html');
    if (tree.exists(file)) context.logger.info(`ngx-oidc: kept your ${file}.`);
    else tree.create(file, SILENT_CALLBACK_HTML);
    if (usesPublic || assets.some((a) => typeof a === 'string' && normalize(a) === file)) return;
    return updateWorkspace((workspace) => {
      const build = workspace.projects.get(projectName)?.targets.get('build');
      if (!build) return;
      build.options ??= {};
      const list = (build.options['assets'] ?? []) as AssetEntry[];
      build.options['assets'] = [...list, file];
    });
  };
}
