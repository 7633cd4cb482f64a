/**
 * `ng add ngx-oidc`: registers the client in an application.
 *
 * - standalone app: `provideAuth({...})` and `provideHttpClient(withInterceptors([authInterceptor]))`
 *   in the `providers` of the application config (an existing `provideHttpClient(...)` /
 *   `withInterceptors([...])` is extended instead of adding a second one);
 * - NgModule app: `AuthModule.forRoot({...})` in the root module's `imports` and the same
 *   `provideHttpClient(...)` in its `providers`;
 * - a `callback` route for the provider's redirect (one that renders nothing);
 * - server-rendered app: `/callback` and every route behind `authGuard` rendered in the browser
 *   (`RenderMode.Client` in the server routes, through `authGuardedPaths(routes)`);
 * - `ngx-oidc` in package.json; with `--renewal=silent`, a `silent-callback.html` page.
 *
 * Running it again changes nothing, and files of the app are edited in place, never replaced.
 * Source edits use the app's own `typescript`, and `@schematics/angular` only through its public
 * `@schematics/angular/utility` entry point.
 */
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { type Rule, type SchematicContext, type Tree, chain } from '@angular-devkit/schematics';
import {
  DependencyType,
  ExistingBehavior,
  InstallBehavior,
  addDependency,
  readWorkspace,
} from '@schematics/angular/utility';
import { type AppEdit, HTTP_PROVIDER, LIB, addToNgModuleApp, addToStandaloneApp, isStandalone } from './app-config';
import { type ClientSettings, fail, validateOptions } from './options';
import { CALLBACK_PATH, addCallbackRoute, addServerRoutes } from './routes';
import type { NgAddOptions } from './schema';
import {
  developmentOrigin,
  isServerRendered,
  serverEntryPath,
  mainFilePath,
  normalize,
  resolveProject,
  silentCallbackRule,
} from './workspace';

export { validateOptions } from './options';
export { SILENT_CALLBACK_HTML } from './workspace';

/** The port of the server that `ng new --ssr` writes (src/server.ts: `process.env['PORT'] || 4000`). */
const SSR_SERVER_ORIGIN = 'http://localhost:4000';

function ownVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
    if (pkg.name === LIB && typeof pkg.version === 'string') return pkg.version;
  } catch {
    /* not in the package layout */
  }
  return 'latest';
}


/** What the app must register at the provider and do next, logged at the end. */
function instructions(
  settings: ClientSettings,
  edit: AppEdit,
  origin: string,
  serverEntry: string | undefined,
  todo: string[],
): Rule {
  const serverRendered = serverEntry !== undefined;
  return (_tree, context) => {
    const what =
      edit.kind === 'standalone'
        ? `provideAuth({...}) and ${HTTP_PROVIDER}`
        : `AuthModule.forRoot({...}) and ${HTTP_PROVIDER}`;
    const renewal = {
      'refresh-token': 'refresh token (allow the refresh_token grant and offline_access for this client)',
      silent: 'silent authentication (prompt=none in a hidden iframe, withSilentAuthentication())',
      none: 'none: the session ends when the access token expires',
    }[settings.renewal];
    const uris = (base: string) => [
      `  redirect URI:              ${base}/${CALLBACK_PATH}`,
      ...(settings.renewal === 'silent' ? [`  redirect URI (silent):     ${base}/silent-callback.html`] : []),
      `  post-logout redirect URI:  ${base}/`,
      `  allowed origin (CORS):     ${base}`,
    ];
    context.logger.info(
      [
        `ngx-oidc is set up in ${edit.filePath.replace(/^\//, '')} (${what}).`,
        ...(serverRendered
          ? [`Server rendering: /${CALLBACK_PATH} and the routes behind authGuard render in the browser (RenderMode.Client, see the server routes).`]
          : []),
        ``,
        `Register this app at ${settings.authority} (client "${settings.clientId}", a public client / SPA):`,
        ...uris(origin),
        ...(serverRendered
          ? [
              `The built server (NG_ALLOWED_HOSTS=localhost node ${serverEntry}) listens on ${SSR_SERVER_ORIGIN} by default; to log in there, also:`,
              ...uris(SSR_SERVER_ORIGIN),
            ]
          : []),
        `When you deploy, register the same paths on your production origin.`,
        `Scopes requested at login: ${settings.scope ?? 'openid profile email'}`,
        `Renewal: ${renewal}`,
        ...(todo.length ? [``, `Still to do by hand:`, ...todo.map((t) => `  - ${t}`)] : []),
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
    const mainPath = mainFilePath(project);
    if (!mainPath || !tree.exists(mainPath)) {
      fail(`could not find the main file of project "${name}" (${mainPath ?? 'no build target'})`);
    }
    const serverRendered = isServerRendered(project);
    const edit = isStandalone(tree, mainPath)
      ? addToStandaloneApp(tree, mainPath, settings, serverRendered, context)
      : addToNgModuleApp(tree, mainPath, settings, serverRendered, context);
    const routes = addCallbackRoute(tree, edit.routes, serverRendered, context);
    const sourceRoot = normalize(project.sourceRoot ?? posix.join(project.root || '', 'src'));
    const todo = serverRendered ? addServerRoutes(tree, sourceRoot, routes, context) : [];
    if (edit.routes && !routes) todo.unshift(`add { path: '${CALLBACK_PATH}', children: [] } to your routes`);

    const version = ownVersion();
    return chain([
      addDependency(LIB, version === 'latest' ? 'latest' : `^${version}`, {
        type: DependencyType.Default,
        existing: ExistingBehavior.Skip,
        install: InstallBehavior.None,
      }),
      ...(settings.renewal === 'silent' ? [silentCallbackRule(name, project)] : []),
      instructions(settings, edit, developmentOrigin(project), serverRendered ? serverEntryPath(name, project) : undefined, todo),
    ]);
  };
}
