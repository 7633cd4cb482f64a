/**
 * The provider edits of `ng add`: `provideAuth({...})` in a standalone app's application
 * config, `AuthModule.forRoot({...})` in an NgModule app's root module, and
 * `provideHttpClient(withInterceptors([authInterceptor]))` next to either.
 */
import type { SchematicContext, Tree } from '@angular-devkit/schematics';
import {
  addImports,
  addProperty,
  appendToArray,
  findAll,
  insert,
  isCallTo,
  isMethodCall,
  parse,
  property,
  referencesIdentifier,
  resolveDeclaration,
  resolveExpression,
  ts,
} from './ast';
import { type ClientSettings, configLiteral, fail, featureArgs } from './options';

export const LIB = 'ngx-oidc';
const HTTP = '@angular/common/http';
export const HTTP_PROVIDER = 'provideHttpClient(withInterceptors([authInterceptor]))';

/** An array literal in a file, found again after every edit. */
type Locate = () => ts.ArrayLiteralExpression;

/** Where the app's routes are given to the router: `provideRouter(x)` / `RouterModule.forRoot(x)`. */
export interface RoutesCall {
  filePath: string;
  /** Finds the call again (in the file as it is now). */
  locate: () => ts.CallExpression | undefined;
}

const isProvideRouter = (n: ts.Node): n is ts.CallExpression => isCallTo(n, 'provideRouter');
const isForRoot = (n: ts.Node): n is ts.CallExpression =>
  isMethodCall(n, 'forRoot') &&
  referencesIdentifier((n.expression as ts.PropertyAccessExpression).expression, 'RouterModule');

function routesCall(tree: Tree, filePath: string, test: (n: ts.Node) => n is ts.CallExpression): RoutesCall | undefined {
  const locate = () => findAll(parse(tree, filePath), test)[0];
  return locate() ? { filePath, locate } : undefined;
}

/** What `ng add` edited, and where the app's router gets its routes. */
export interface AppEdit {
  kind: 'standalone' | 'ngmodule';
  filePath: string;
  routes?: RoutesCall;
}

/** `bootstrapApplication(...)` in main.ts: a standalone app. */
export function isStandalone(tree: Tree, mainPath: string): boolean {
  return findAll(parse(tree, mainPath), (n): n is ts.CallExpression => isCallTo(n, 'bootstrapApplication')).length > 0;
}

/** Makes `locate()` contain `provideHttpClient(..., withInterceptors([..., authInterceptor]))`. */
function ensureHttpProvider(tree: Tree, filePath: string, locate: Locate, context: SchematicContext): void {
  const http = locate().elements.find((e) => isCallTo(e, 'provideHttpClient')) as ts.CallExpression | undefined;
  if (!http) {
    insert(tree, filePath, [appendToArray(locate(), HTTP_PROVIDER)]);
    addImports(tree, filePath, HTTP, ['provideHttpClient', 'withInterceptors']);
    addImports(tree, filePath, LIB, ['authInterceptor']);
    return;
  }
  const features = http.arguments;
  const interceptors = features.find((f) => isCallTo(f, 'withInterceptors')) as ts.CallExpression | undefined;
  if (!interceptors) {
    const text = 'withInterceptors([authInterceptor])';
    insert(tree, filePath, [
      features.length === 0
        ? { pos: features.pos, text }
        : { pos: features[features.length - 1].getEnd(), text: `, ${text}` },
    ]);
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
  insert(tree, filePath, [appendToArray(list, 'authInterceptor')]);
  addImports(tree, filePath, LIB, ['authInterceptor']);
}

/** The object literal given to `bootstrapApplication(App, <config>)`, wherever it is declared. */
function locateAppConfig(tree: Tree, mainPath: string): { filePath: string; node: ts.ObjectLiteralExpression } {
  const manual = `Add provideAuth({...}) and ${HTTP_PROVIDER} to your providers yourself (see the README).`;
  const [call] = findAll(parse(tree, mainPath), (n): n is ts.CallExpression => isCallTo(n, 'bootstrapApplication'));
  const arg = call?.arguments[1];
  const resolved = arg && resolveExpression(tree, mainPath, arg);
  if (!resolved || !ts.isObjectLiteralExpression(resolved.expression)) {
    fail(`could not find the application config passed to bootstrapApplication() in ${mainPath}. ${manual}`);
  }
  return { filePath: resolved.filePath, node: resolved.expression };
}

export function addToStandaloneApp(
  tree: Tree,
  mainPath: string,
  settings: ClientSettings,
  serverRendered: boolean,
  context: SchematicContext,
): AppEdit {
  const { filePath, node } = locateAppConfig(tree, mainPath);
  const providersOf = (config: ts.ObjectLiteralExpression) => property(config, 'providers');
  const existing = providersOf(node);
  if (existing && !ts.isArrayLiteralExpression(existing.initializer)) {
    fail(
      `the providers of the application config in ${filePath} are not an array literal. ` +
        `Add provideAuth({...}) and ${HTTP_PROVIDER} to them yourself (see the README).`,
    );
  }
  if (!existing) insert(tree, filePath, [addProperty(node, 'providers', '[]')]);
  const locate: Locate = () =>
    providersOf(locateAppConfig(tree, mainPath).node)!.initializer as ts.ArrayLiteralExpression;

  if (!locate().elements.some((e) => isCallTo(e, 'provideAuth'))) {
    const [features, featureNames] = featureArgs(settings);
    insert(tree, filePath, [
      appendToArray(locate(), `provideAuth(${configLiteral(settings, serverRendered)}${features})`),
    ]);
    addImports(tree, filePath, LIB, ['provideAuth', ...featureNames]);
  }
  ensureHttpProvider(tree, filePath, locate, context);
  return { kind: 'standalone', filePath, routes: routesCall(tree, filePath, isProvideRouter) };
}

/** The `@NgModule({...})` metadata of the class `name` declared in (or imported into) `filePath`. */
function ngModuleMetadata(tree: Tree, filePath: string, name: string) {
  const declaration = resolveDeclaration(tree, filePath, name);
  if (!declaration || !ts.isClassDeclaration(declaration.node)) return undefined;
  for (const decorator of ts.getDecorators(declaration.node) ?? []) {
    const call = decorator.expression;
    if (isCallTo(call, 'NgModule') && call.arguments[0] && ts.isObjectLiteralExpression(call.arguments[0])) {
      return { filePath: declaration.filePath, metadata: call.arguments[0] };
    }
  }
  return undefined;
}

/** `RouterModule.forRoot(routes)` in the root module or in a module it imports. */
function findRouterModule(tree: Tree, modulePath: string, metadata: ts.ObjectLiteralExpression): RoutesCall | undefined {
  if (findAll(metadata, isForRoot).length > 0) return routesCall(tree, modulePath, isForRoot);
  const imports = property(metadata, 'imports')?.initializer;
  if (!imports || !ts.isArrayLiteralExpression(imports)) return undefined;
  for (const element of imports.elements) {
    if (!ts.isIdentifier(element)) continue;
    const imported = ngModuleMetadata(tree, modulePath, element.text);
    if (imported && findAll(imported.metadata, isForRoot).length > 0) return routesCall(tree, imported.filePath, isForRoot);
  }
  return undefined;
}

export function addToNgModuleApp(
  tree: Tree,
  mainPath: string,
  settings: ClientSettings,
  serverRendered: boolean,
  context: SchematicContext,
): AppEdit {
  const [bootstrap] = findAll(parse(tree, mainPath), (n): n is ts.CallExpression => isMethodCall(n, 'bootstrapModule'));
  const moduleName = bootstrap?.arguments[0];
  if (!moduleName || !ts.isIdentifier(moduleName)) {
    fail(`could not find the root module: no bootstrapModule(AppModule) in ${mainPath}`);
  }
  const locateModule = () => {
    const found = ngModuleMetadata(tree, mainPath, moduleName.text);
    if (!found) fail(`could not find the @NgModule({...}) of ${moduleName.text} (bootstrapped in ${mainPath})`);
    return found;
  };
  const modulePath = locateModule().filePath;
  const field = (name: string) => property(locateModule().metadata, name);
  const array = (name: string): Locate => () => field(name)!.initializer as ts.ArrayLiteralExpression;
  const manual = (name: string, code: string) =>
    context.logger.warn(
      `ngx-oidc: the ${name} of the @NgModule in ${modulePath} are not an array literal; add ${code} to them yourself.`,
    );

  // imports: AuthModule.forRoot({...})
  const [features, featureNames] = featureArgs(settings);
  const authModule = `AuthModule.forRoot(${configLiteral(settings, serverRendered)}${features})`;
  if (!field('imports')) insert(tree, modulePath, [addProperty(locateModule().metadata, 'imports', '[]')]);
  if (!ts.isArrayLiteralExpression(field('imports')!.initializer)) {
    manual('imports', 'AuthModule.forRoot({...})');
  } else if (!array('imports')().elements.some((e) => referencesIdentifier(e, 'AuthModule'))) {
    insert(tree, modulePath, [appendToArray(array('imports')(), authModule)]);
    addImports(tree, modulePath, LIB, ['AuthModule', ...featureNames]);
  }

  // providers: provideHttpClient(withInterceptors([authInterceptor]))
  if (!field('providers')) insert(tree, modulePath, [addProperty(locateModule().metadata, 'providers', '[]')]);
  if (!ts.isArrayLiteralExpression(field('providers')!.initializer)) {
    manual('providers', HTTP_PROVIDER);
  } else {
    ensureHttpProvider(tree, modulePath, array('providers'), context);
  }
  return { kind: 'ngmodule', filePath: modulePath, routes: findRouterModule(tree, modulePath, locateModule().metadata) };
}
