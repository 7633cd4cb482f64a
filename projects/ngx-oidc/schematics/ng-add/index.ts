/**
 * `ng add ngx-oidc`: registers the client in an application.
 *
 * - standalone app: `provideAuth({...})` and `provideHttpClient(withInterceptors([authInterceptor]))`
 *   in the `providers` of the application config (an existing `provideHttpClient(...)` /
 *   `withInterceptors([...])` is extended instead of adding a second one);
 * - NgModule app: `AuthModule.forRoot({...})` in the root module's `imports` and the same
 *   `provideHttpClient(...)` in its `providers`;
 * - `ngx-oidc` in package.json, a `silent-callback.html` page (only when absent).
 *
 * Running it again changes nothing, and files of the app are edited in place, never replaced.
 */
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import {
  type Rule,
  type SchematicContext,
  SchematicsException,
  type Tree,
  chain,
} from '@angular-devkit/schematics';
import {
  DependencyType,
  ExistingBehavior,
  InstallBehavior,
  type ProjectDefinition,
  type WorkspaceDefinition,
  addDependency,
  readWorkspace,
  updateWorkspace,
} from '@schematics/angular/utility';
import {
  addSymbolToNgModuleMetadata,
  getDecoratorMetadata,
  getMetadataField,
  insertImport,
} from '@schematics/angular/utility/ast-utils';
import { InsertChange } from '@schematics/angular/utility/change';
import { getAppModulePath, isStandaloneApp } from '@schematics/angular/utility/ng-ast-utils';
import { findAppConfig } from '@schematics/angular/utility/standalone/app_config';
import {
  applyChangesToFile,
  findBootstrapApplicationCall,
  findProvidersLiteral,
  getMainFilePath,
  getSourceFile,
} from '@schematics/angular/utility/standalone/util';
import ts from '@schematics/angular/third_party/github.com/Microsoft/TypeScript/lib/typescript';
import type { NgAddOptions } from './schema';

const LIB = 'ngx-oidc';
const HTTP = '@angular/common/http';

export const SILENT_CALLBACK_HTML =
  `<!doctype html><meta charset="utf-8"><title>Signing in…</title>` +
  `<script>parent.postMessage({ source: 'ngx-oidc', url: location.href }, location.origin);</script>\n`;

/** The validated options. */
export interface ClientSettings {
  authority: string;
  clientId: string;
  flow: 'code' | 'implicit';
  apiUrl?: string;
  audience?: string;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function fail(message: string): never {
  throw new SchematicsException(`ngx-oidc: ${message}`);
}

/** Checks the options; throws a `SchematicsException` naming the option and the fix. */
export function validateOptions(options: NgAddOptions): ClientSettings {
  const authority = (options.authority ?? '').trim();
  if (!authority) {
    fail(
      'the authority is required: pass the issuer URL of your OpenID Provider, ' +
        'e.g. --authority=https://your-tenant.example.com/',
    );
  }
  let url: URL;
  try {
    url = new URL(authority);
  } catch {
    fail(`invalid authority "${authority}": expected an absolute URL such as https://idp.example.com/`);
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    fail(
      `invalid authority "${authority}": it must use https (http is only accepted for localhost and 127.0.0.1)`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    fail(`invalid authority "${authority}": it must be an https URL`);
  }
  if (url.username || url.password || url.search || url.hash) {
    fail(
      `invalid authority "${authority}": an issuer URL has no credentials, query or fragment`,
    );
  }

  const clientId = (options.clientId ?? '').trim();
  if (!clientId) {
    fail('the client id must not be empty: pass the id registered at your provider, e.g. --client-id=my-spa');
  }

  const flow = options.flow ?? 'code';
  if (flow !== 'code' && flow !== 'implicit') {
    fail(`invalid flow "${String(flow)}": expected "code" or "implicit"`);
  }

  let apiUrl = options.apiUrl?.trim() || undefined;
  if (apiUrl) {
    if (apiUrl.includes('*')) {
      fail(`invalid API URL "${apiUrl}": wildcards are not supported, give the URL prefix of your API`);
    }
    const relative = apiUrl.startsWith('/') && !apiUrl.startsWith('//');
    if (!relative) {
      let api: URL | undefined;
      try {
        api = new URL(apiUrl);
      } catch {
        /* below */
      }
      if (!api || (api.protocol !== 'https:' && api.protocol !== 'http:')) {
        fail(
          `invalid API URL "${apiUrl}": expected an absolute http(s) URL such as https://api.example.com/v1, or a path such as /api`,
        );
      }
    }
  }
  const audience = options.audience?.trim() || undefined;
  return { authority, clientId, flow, apiUrl, audience };
}

/** A single-quoted TypeScript string literal. */
function quote(value: string): string {
  return `'${JSON.stringify(value).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

/** The configuration object literal, indented by two spaces per level. */
export function configLiteral(settings: ClientSettings): string {
  const lines = [
    `authority: ${quote(settings.authority)},`,
    `clientId: ${quote(settings.clientId)},`,
  ];
  if (settings.audience) lines.push(`audience: ${quote(settings.audience)},`);
  if (settings.flow === 'implicit') lines.push(`responseType: 'id_token token',`);
  lines.push(`allowedUrls: [${settings.apiUrl ? quote(settings.apiUrl) : ''}],`);
  return `{\n${lines.map((l) => `  ${l}`).join('\n')}\n}`;
}

/**
 * The feature functions the settings need after the configuration (`withImplicitFlow()` for the
 * implicit flow), as `[argument text, names to import]`.
 */
export function featureArgs(settings: ClientSettings): [string, string[]] {
  return settings.flow === 'implicit' ? [', withImplicitFlow()', ['withImplicitFlow']] : ['', []];
}

const HTTP_PROVIDER = 'provideHttpClient(withInterceptors([authInterceptor]))';

// ------------------------------------------------------------------ AST helpers

function isCallTo(node: ts.Node, name: string): node is ts.CallExpression {
  return ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === name;
}

/** `AuthModule`, `AuthModule.forRoot(...)`, ... */
function referencesIdentifier(node: ts.Node, name: string): boolean {
  if (ts.isIdentifier(node)) return node.text === name;
  return node.forEachChild((child) => (referencesIdentifier(child, name) ? true : undefined)) ?? false;
}

function lineIndent(source: string, position: number): string {
  const lineStart = source.lastIndexOf('\n', position - 1) + 1;
  return /^[ \t]*/.exec(source.slice(lineStart))![0];
}

function reindent(text: string, indent: string): string {
  return text.replace(/\n/g, `\n${indent}`);
}

/** Appends `text` to an array literal, keeping its layout (one element per line or inline). */
function appendToArray(tree: Tree, filePath: string, array: ts.ArrayLiteralExpression, text: string): void {
  const source = array.getSourceFile().text;
  const multiline = source.slice(array.getStart(), array.getEnd()).includes('\n');
  const elements = array.elements;
  let change: InsertChange;
  if (elements.length === 0) {
    if (!multiline && !text.includes('\n')) {
      change = new InsertChange(filePath, array.getStart() + 1, text);
    } else {
      const outer = lineIndent(source, array.getStart());
      const inner = outer + '  ';
      change = new InsertChange(filePath, array.getStart() + 1, `\n${inner}${reindent(text, inner)},\n${outer}`);
    }
  } else {
    const last = elements[elements.length - 1];
    if (!multiline) {
      change = new InsertChange(filePath, last.getEnd(), `, ${text}`);
    } else {
      const indent = lineIndent(source, last.getStart());
      if (elements.hasTrailingComma) {
        const comma = source.indexOf(',', last.getEnd());
        change = new InsertChange(filePath, comma + 1, `\n${indent}${reindent(text, indent)},`);
      } else {
        change = new InsertChange(filePath, last.getEnd(), `,\n${indent}${reindent(text, indent)}`);
      }
    }
  }
  applyChangesToFile(tree, filePath, [change]);
}

/** Adds named imports one by one (re-reading the file), so that none is duplicated. */
function addImports(tree: Tree, filePath: string, moduleName: string, symbols: string[]): void {
  for (const symbol of symbols) {
    const change = insertImport(getSourceFile(tree, filePath), filePath, symbol, moduleName);
    applyChangesToFile(tree, filePath, [change]);
  }
}

/**
 * Makes the providers array (found by `locate`, re-run after every edit) contain
 * `provideHttpClient(..., withInterceptors([..., authInterceptor]))`.
 */
function ensureHttpProvider(
  tree: Tree,
  filePath: string,
  locate: () => ts.ArrayLiteralExpression,
  context: SchematicContext,
): void {
  const providers = locate();
  const http = providers.elements.find((e) => isCallTo(e, 'provideHttpClient')) as
    | ts.CallExpression
    | undefined;
  if (!http) {
    appendToArray(tree, filePath, providers, HTTP_PROVIDER);
    addImports(tree, filePath, HTTP, ['provideHttpClient', 'withInterceptors']);
    addImports(tree, filePath, LIB, ['authInterceptor']);
    return;
  }
  const features = http.arguments;
  const interceptors = features.find((f) => isCallTo(f, 'withInterceptors')) as
    | ts.CallExpression
    | undefined;
  if (!interceptors) {
    const text = 'withInterceptors([authInterceptor])';
    const change =
      features.length === 0
        ? new InsertChange(filePath, http.arguments.pos, text)
        : new InsertChange(filePath, features[features.length - 1].getEnd(), `, ${text}`);
    applyChangesToFile(tree, filePath, [change]);
    addImports(tree, filePath, HTTP, ['withInterceptors']);
    addImports(tree, filePath, LIB, ['authInterceptor']);
    return;
  }
  const list = interceptors.arguments[0];
  if (!list || !ts.isArrayLiteralExpression(list)) {
    context.logger.warn(
      `ngx-oidc: withInterceptors(...) in ${filePath} is not given an array literal; ` +
        `add authInterceptor (import { authInterceptor } from 'ngx-oidc') to it yourself.`,
    );
    return;
  }
  if (list.elements.some((e) => ts.isIdentifier(e) && e.text === 'authInterceptor')) return;
  appendToArray(tree, filePath, list, 'authInterceptor');
  addImports(tree, filePath, LIB, ['authInterceptor']);
}

// ------------------------------------------------------------------ app kinds

function addToStandaloneApp(
  tree: Tree,
  mainPath: string,
  settings: ClientSettings,
  context: SchematicContext,
): string {
  const locateConfig = () => {
    const config = findAppConfig(findBootstrapApplicationCall(tree, mainPath), tree, mainPath);
    if (!config) {
      fail(
        `could not find the application config passed to bootstrapApplication() in ${mainPath}. ` +
          `Add provideAuth({...}) and ${HTTP_PROVIDER} to your providers yourself (see the README).`,
      );
    }
    return config;
  };
  const config = locateConfig();
  const filePath = config.filePath;
  if (!findProvidersLiteral(config.node)) {
    const props = config.node.properties;
    if (props.some((p) => p.name && ts.isIdentifier(p.name) && p.name.text === 'providers')) {
      fail(
        `the providers of the application config in ${filePath} are not an array literal. ` +
          `Add provideAuth({...}) and ${HTTP_PROVIDER} to them yourself (see the README).`,
      );
    }
    const source = config.node.getSourceFile().text;
    const indent = lineIndent(source, config.node.getStart()) + '  ';
    const change =
      props.length === 0
        ? new InsertChange(filePath, config.node.getStart() + 1, `\n${indent}providers: [],\n`)
        : new InsertChange(
            filePath,
            props.hasTrailingComma
              ? source.indexOf(',', props[props.length - 1].getEnd()) + 1
              : props[props.length - 1].getEnd(),
            `${props.hasTrailingComma ? '' : ','}\n${indent}providers: []`,
          );
    applyChangesToFile(tree, filePath, [change]);
  }
  const locateProviders = () => findProvidersLiteral(locateConfig().node)!;

  if (!locateProviders().elements.some((e) => isCallTo(e, 'provideAuth'))) {
    const [features, featureNames] = featureArgs(settings);
    appendToArray(tree, filePath, locateProviders(), `provideAuth(${configLiteral(settings)}${features})`);
    addImports(tree, filePath, LIB, ['provideAuth', ...featureNames]);
  }
  ensureHttpProvider(tree, filePath, locateProviders, context);
  return filePath;
}

function addToNgModuleApp(
  tree: Tree,
  mainPath: string,
  settings: ClientSettings,
  context: SchematicContext,
): string {
  const modulePath = getAppModulePath(tree, mainPath);
  if (!tree.exists(modulePath)) fail(`could not find the root module ${modulePath}`);
  const locateField = (field: string): ts.PropertyAssignment | undefined => {
    const source = getSourceFile(tree, modulePath);
    const metadata = getDecoratorMetadata(source, 'NgModule', '@angular/core')[0];
    if (!metadata || !ts.isObjectLiteralExpression(metadata)) {
      fail(`could not find the @NgModule({...}) of ${modulePath}`);
    }
    return getMetadataField(metadata, field)[0];
  };
  const locateArray = (field: string): ts.ArrayLiteralExpression | undefined => {
    const prop = locateField(field);
    return prop && ts.isArrayLiteralExpression(prop.initializer) ? prop.initializer : undefined;
  };
  const addField = (field: string, expression: string) => {
    const changes = addSymbolToNgModuleMetadata(
      getSourceFile(tree, modulePath),
      modulePath,
      field,
      expression,
      null,
    );
    applyChangesToFile(tree, modulePath, changes);
  };
  const manual = (field: string, code: string) =>
    context.logger.warn(
      `ngx-oidc: the ${field} of the @NgModule in ${modulePath} are not an array literal; add ${code} to them yourself.`,
    );

  // imports: AuthModule.forRoot({...})
  const [features, featureNames] = featureArgs(settings);
  const authModule = `AuthModule.forRoot(${configLiteral(settings)}${features})`;
  const imports = locateArray('imports');
  if (!locateField('imports')) {
    addField('imports', authModule);
    addImports(tree, modulePath, LIB, ['AuthModule', ...featureNames]);
  } else if (!imports) {
    manual('imports', 'AuthModule.forRoot({...})');
  } else if (!imports.elements.some((e) => referencesIdentifier(e, 'AuthModule'))) {
    appendToArray(tree, modulePath, imports, authModule);
    addImports(tree, modulePath, LIB, ['AuthModule', ...featureNames]);
  }

  // providers: provideHttpClient(withInterceptors([authInterceptor]))
  if (!locateField('providers')) {
    addField('providers', HTTP_PROVIDER);
    addImports(tree, modulePath, HTTP, ['provideHttpClient', 'withInterceptors']);
    addImports(tree, modulePath, LIB, ['authInterceptor']);
  } else if (!locateArray('providers')) {
    manual('providers', HTTP_PROVIDER);
  } else {
    ensureHttpProvider(tree, modulePath, () => locateArray('providers')!, context);
  }
  return modulePath;
}

// ------------------------------------------------------------------ workspace

function resolveProject(
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

type AssetEntry = string | { input?: string; glob?: string };

function normalize(path: string): string {
  return posix.normalize(path.replace(/\\/g, '/')).replace(/^\.\//, '').replace(/^\/+|\/+$/g, '');
}

/** Adds `silent-callback.html` to the app's static files, unless a file is already there. */
function silentCallbackRule(projectName: string, project: ProjectDefinition): Rule {
  return async (tree, context) => {
    const root = normalize(project.root || '.');
    const sourceRoot = normalize(project.sourceRoot ?? posix.join(root, 'src'));
    const publicDir = normalize(posix.join(root, 'public'));
    const assets = (project.targets.get('build')?.options?.['assets'] ?? []) as AssetEntry[];
    const usesPublic =
      assets.some((a) => typeof a === 'object' && a.input && normalize(a.input) === publicDir) ||
      tree.getDir(publicDir || '/').subfiles.length > 0;

    if (usesPublic) {
      const file = posix.join(publicDir, 'silent-callback.html');
      if (tree.exists(file)) {
        context.logger.info(`ngx-oidc: kept your ${file}.`);
      } else {
        tree.create(file, SILENT_CALLBACK_HTML);
      }
      return;
    }
    const file = posix.join(sourceRoot, 'silent-callback.html');
    if (tree.exists(file)) context.logger.info(`ngx-oidc: kept your ${file}.`);
    else tree.create(file, SILENT_CALLBACK_HTML);
    if (assets.some((a) => typeof a === 'string' && normalize(a) === file)) return;
    return updateWorkspace((workspace) => {
      const build = workspace.projects.get(projectName)?.targets.get('build');
      if (!build) return;
      build.options ??= {};
      const list = (build.options['assets'] ?? []) as AssetEntry[];
      build.options['assets'] = [...list, file];
    });
  };
}

function ownVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
    if (pkg.name === LIB && typeof pkg.version === 'string') return pkg.version;
  } catch {
    /* not in the package layout */
  }
  return 'latest';
}

function instructions(settings: ClientSettings, editedFile: string, standalone: boolean): Rule {
  return (_tree, context) => {
    const what = standalone
      ? `provideAuth({...}) and ${HTTP_PROVIDER}`
      : `AuthModule.forRoot({...}) and ${HTTP_PROVIDER}`;
    context.logger.info(
      [
        `ngx-oidc is set up in ${editedFile} (${what}).`,
        ``,
        `Register these URIs for client "${settings.clientId}" at ${settings.authority}`,
        `(<origin> is where the app is served, e.g. http://localhost:4200):`,
        `  redirect URI:              <origin>/callback`,
        `  silent authentication:     <origin>/silent-callback.html  (to use it: silentRedirectUri + withSilentAuthentication())`,
        `  post-logout redirect URI:  <origin>/`,
        ``,
        `No route is guarded yet. To require a login for a page:`,
        `  import { authGuard } from 'ngx-oidc';`,
        `  { path: 'profile', component: ProfilePage, canActivate: [authGuard] }`,
      ].join('\n'),
    );
  };
}

/** The `ng-add` schematic. */
export function ngAdd(options: NgAddOptions): Rule {
  return async (tree: Tree, context: SchematicContext) => {
    const settings = validateOptions(options);
    const workspace = await readWorkspace(tree);
    const { name, project } = resolveProject(workspace, options.project);
    const mainPath = await getMainFilePath(tree, name);
    if (!mainPath || !tree.exists(mainPath)) {
      fail(`could not find the main file of project "${name}" (${mainPath ?? 'no build target'})`);
    }
    const standalone = isStandaloneApp(tree, mainPath);
    const editedFile = standalone
      ? addToStandaloneApp(tree, mainPath, settings, context)
      : addToNgModuleApp(tree, mainPath, settings, context);

    return chain([
      addDependency(LIB, ownVersion() === 'latest' ? 'latest' : `^${ownVersion()}`, {
        type: DependencyType.Default,
        existing: ExistingBehavior.Skip,
        install: InstallBehavior.None,
      }),
      silentCallbackRule(name, project),
      instructions(settings, editedFile, standalone),
    ]);
  };
}
