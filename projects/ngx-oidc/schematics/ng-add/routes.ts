/**
 * The route edits of `ng add`: a `callback` route for the provider's redirect, and in a
 * server-rendered app, server routes that render the callback and every route behind
 * `authGuard` in the browser (`RenderMode.Client`).
 */
import { posix } from 'node:path';
import type { SchematicContext, Tree } from '@angular-devkit/schematics';
import {
  type Insertion,
  addImports,
  appendToArray,
  findAll,
  insert,
  insertBefore,
  isCallTo,
  parse,
  referencesIdentifier,
  relativeSpecifier,
  resolveExpression,
  stringProperty,
  ts,
} from './ast';
import { LIB, type RoutesCall } from './app-config';

/** The path of the default redirect URI, `<app origin>/callback`. */
export const CALLBACK_PATH = 'callback';

const CALLBACK_ROUTE = `{ path: '${CALLBACK_PATH}', children: [] }`;
const CALLBACK_ROUTE_COMMENT =
  `// ngx-oidc: the provider redirects here after login; provideAuth() completes the login and\n` +
  `// shows the page the user asked for. Renders nothing (a redirectTo would lose ?code&state\n` +
  `// when the server answers it).`;

// Angular SSR serves only the paths of the app's routes, except when there are none at all: then
// every path is the app's. A fresh app has none, so once it has a callback route it needs one for
// '/' too (else `Cannot GET /`), and one that can never shadow a '' route the app adds later.
const START_ROUTE = `{ path: '', canMatch: [() => false], children: [] }`;
const START_ROUTE_COMMENT =
  `// ngx-oidc: tells Angular SSR that '/' is a page of this app (it serves only the paths listed\n` +
  `// here, once there are any). Never matches in the router: a '' route of yours still wins.`;

const CALLBACK_SERVER_ROUTE = `{ path: '${CALLBACK_PATH}', renderMode: RenderMode.Client }`;
const SERVER_ROUTES_COMMENT =
  `// ngx-oidc: the login callback and the routes behind authGuard render in the browser, which\n` +
  `// holds the session (on the server nobody is logged in and the guard refuses: a 404).`;
const guardedServerRoutes = (routes: string) =>
  `...authGuardedPaths(${routes}).map((path): ServerRoute => ({ path, renderMode: RenderMode.Client }))`;

/** Where the app's routes array is declared. */
export interface RoutesArray {
  filePath: string;
  /** The top-level variable holding the array (`routes`), when it is one. */
  name?: string;
}

const isWildcard = (e: ts.Expression) => stringProperty(e, 'path') === '**';

/** Inserts `element` before the array's `**` entry (order matters to the router), else at the end. */
function addBeforeWildcard(array: ts.ArrayLiteralExpression, element: string, comment?: string): Insertion {
  const source = array.getSourceFile().text;
  const multiline = source.slice(array.getStart(), array.getEnd()).includes('\n') || array.elements.length === 0;
  const text = comment && multiline ? `${comment}\n${element}` : element;
  const wildcard = array.elements.find(isWildcard);
  return wildcard ? insertBefore(array, wildcard, text) : appendToArray(array, text);
}

/**
 * Exports the top-level `const <name>` of a file (the `routes` of an NgModule app's routing
 * module), so that the server routes can import it. False when it is no such variable.
 */
function ensureExported(tree: Tree, filePath: string, name: string): boolean {
  const statement = parse(tree, filePath).statements.find(
    (s): s is ts.VariableStatement =>
      ts.isVariableStatement(s) &&
      s.declarationList.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === name),
  );
  if (!statement) return false;
  if (!statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
    insert(tree, filePath, [{ pos: statement.getStart(), text: 'export ' }]);
  }
  return true;
}

/**
 * Adds `{ path: 'callback', children: [] }` to the app's routes (before a `**` route), unless a
 * `callback` route is there; in a server-rendered app whose routes were empty, a route for `/`
 * that never matches in the router, so that Angular SSR still serves `/`. Logs what to do by hand
 * when the routes cannot be found. A route that renders nothing: the login is complete and the address
 * bar shows the requested page before the router's first navigation.
 */
export function addCallbackRoute(
  tree: Tree,
  routes: RoutesCall | undefined,
  serverRendered: boolean,
  context: SchematicContext,
): RoutesArray | undefined {
  // An app without the router has no route to match, and nothing to add.
  if (!routes) return undefined;
  const manual = `add ${CALLBACK_ROUTE} to your routes yourself`;
  const call = routes.locate();
  const argument = call?.arguments[0];
  const resolved = argument && resolveExpression(tree, routes.filePath, argument);
  if (!resolved || !ts.isArrayLiteralExpression(resolved.expression)) {
    context.logger.warn(`ngx-oidc: could not find the array of your routes; ${manual}.`);
    return undefined;
  }
  const { filePath, name } = resolved;
  const locate = () => resolveExpression(tree, routes.filePath, routes.locate()!.arguments[0])!.expression as ts.ArrayLiteralExpression;
  if (!locate().elements.some((e) => stringProperty(e, 'path') === CALLBACK_PATH)) {
    const empty = locate().elements.length === 0;
    insert(tree, filePath, [addBeforeWildcard(locate(), CALLBACK_ROUTE, CALLBACK_ROUTE_COMMENT)]);
    if (empty && serverRendered) {
      insert(tree, filePath, [appendToArray(locate(), `${START_ROUTE_COMMENT}\n${START_ROUTE}`)]);
    }
  }
  return { filePath, name };
}

/** The `withRoutes(serverRoutes)` given to `provideServerRendering()` in the app's sources. */
function findServerRoutes(tree: Tree, sourceRoot: string): { filePath: string; array: ts.ArrayLiteralExpression } | undefined {
  const files: string[] = [];
  const walk = (dir: string) => {
    const entry = tree.getDir(dir);
    for (const file of entry.subfiles) {
      if (file.endsWith('.ts') && !file.endsWith('.spec.ts')) files.push(posix.join(entry.path, file));
    }
    for (const sub of entry.subdirs) if (sub !== 'node_modules') walk(posix.join(entry.path, sub));
  };
  walk(sourceRoot ? `/${sourceRoot}` : '/');
  for (const filePath of files) {
    const text = tree.readText(filePath);
    if (!text.includes('withRoutes(')) continue;
    const [call] = findAll(parse(tree, filePath), (n): n is ts.CallExpression => isCallTo(n, 'withRoutes'));
    const argument = call?.arguments[0];
    const resolved = argument && resolveExpression(tree, filePath, argument);
    if (resolved && ts.isArrayLiteralExpression(resolved.expression)) {
      return { filePath: resolved.filePath, array: resolved.expression };
    }
  }
  return undefined;
}

/**
 * In `app.routes.server.ts`: `{ path: 'callback', renderMode: RenderMode.Client }` and
 * `...authGuardedPaths(routes).map(...)` before the `**` entry, unless they are there.
 *
 * @returns What the app still has to do itself (empty when nothing).
 */
export function addServerRoutes(
  tree: Tree,
  sourceRoot: string,
  routes: RoutesArray | undefined,
  context: SchematicContext,
): string[] {
  const found = findServerRoutes(tree, sourceRoot);
  const todo: string[] = [];
  if (!found) {
    todo.push(
      `render /${CALLBACK_PATH} and every route behind authGuard in the browser: ` +
        `${CALLBACK_SERVER_ROUTE} and ${guardedServerRoutes('routes')} in your server routes (before '**')`,
    );
    context.logger.warn(`ngx-oidc: could not find your server routes (withRoutes(...)); ${todo[0]}.`);
    return todo;
  }
  const { filePath } = found;
  const locate = () => findServerRoutes(tree, sourceRoot)!.array;
  if (!locate().elements.some((e) => stringProperty(e, 'path') === CALLBACK_PATH)) {
    insert(tree, filePath, [addBeforeWildcard(locate(), CALLBACK_SERVER_ROUTE, SERVER_ROUTES_COMMENT)]);
    addImports(tree, filePath, '@angular/ssr', ['RenderMode']);
  }
  if (!locate().elements.some((e) => referencesIdentifier(e, 'authGuardedPaths'))) {
    const name = routes?.name;
    const shared = name && (routes.filePath === filePath || ensureExported(tree, routes.filePath, name));
    if (name && shared) {
      insert(tree, filePath, [addBeforeWildcard(locate(), guardedServerRoutes(name))]);
      addImports(tree, filePath, '@angular/ssr', ['RenderMode', 'ServerRoute']);
      addImports(tree, filePath, LIB, ['authGuardedPaths']);
      if (routes.filePath !== filePath) {
        addImports(tree, filePath, relativeSpecifier(filePath, routes.filePath), [name]);
      }
    } else {
      todo.push(
        `render every route you guard with authGuard in the browser: { path: '<its path>', ` +
          `renderMode: RenderMode.Client } in ${filePath.replace(/^\//, '')} ` +
          `(or keep your routes in a variable and use ${guardedServerRoutes('routes')})`,
      );
      context.logger.warn(`ngx-oidc: your routes are not a variable of their own; ${todo[todo.length - 1]}.`);
    }
  }
  return todo;
}
