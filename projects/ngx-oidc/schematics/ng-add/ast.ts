/**
 * Source edits for `ng add`, with the app's own `typescript` (every Angular app has it): no
 * internal path of `@schematics/angular`, whose bundled copy of TypeScript moved between
 * releases, and one TypeScript for both parsing and reading the nodes.
 */
import { posix } from 'node:path';
import type { Tree } from '@angular-devkit/schematics';
import * as ts from 'typescript';

export { ts };

/** One insertion into a file: `text` at offset `pos` of the current content. */
export interface Insertion {
  pos: number;
  text: string;
}

/** Parses a file of the tree (with parent pointers, so `getStart()` works). */
export function parse(tree: Tree, filePath: string): ts.SourceFile {
  return ts.createSourceFile(filePath, tree.readText(filePath), ts.ScriptTarget.Latest, true);
}

/** Applies insertions (offsets into the current content) to a file of the tree. */
export function insert(tree: Tree, filePath: string, insertions: Insertion[]): void {
  const recorder = tree.beginUpdate(filePath);
  for (const { pos, text } of insertions) recorder.insertLeft(pos, text);
  tree.commitUpdate(recorder);
}

/** Every descendant of `node` (itself included) for which `test` holds, in source order. */
export function findAll<T extends ts.Node>(node: ts.Node, test: (n: ts.Node) => n is T): T[] {
  const found: T[] = [];
  const visit = (n: ts.Node): void => {
    if (test(n)) found.push(n);
    n.forEachChild(visit);
  };
  visit(node);
  return found;
}

/** `name(...)`, e.g. `provideHttpClient(...)`. */
export function isCallTo(node: ts.Node, name: string): node is ts.CallExpression {
  return ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === name;
}

/** `<anything>.name(...)`, e.g. `platformBrowser().bootstrapModule(...)`. */
export function isMethodCall(node: ts.Node, name: string): node is ts.CallExpression {
  return (
    ts.isCallExpression(node) &&
    ts.isPropertyAccessExpression(node.expression) &&
    node.expression.name.text === name
  );
}

/** Whether `node` mentions the identifier `name` (`AuthModule`, `AuthModule.forRoot(...)`). */
export function referencesIdentifier(node: ts.Node, name: string): boolean {
  if (ts.isIdentifier(node)) return node.text === name;
  return node.forEachChild((child) => (referencesIdentifier(child, name) ? true : undefined)) ?? false;
}

/** The property `name: ...` of an object literal. */
export function property(
  object: ts.ObjectLiteralExpression,
  name: string,
): ts.PropertyAssignment | undefined {
  return object.properties.find(
    (p): p is ts.PropertyAssignment =>
      ts.isPropertyAssignment(p) &&
      (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) &&
      p.name.text === name,
  );
}

/** The string value of `name: '...'` in an object literal. */
export function stringProperty(node: ts.Node, name: string): string | undefined {
  if (!ts.isObjectLiteralExpression(node)) return undefined;
  const init = property(node, name)?.initializer;
  return init && (ts.isStringLiteral(init) || ts.isNoSubstitutionTemplateLiteral(init)) ? init.text : undefined;
}

function lineIndent(source: string, position: number): string {
  const lineStart = source.lastIndexOf('\n', position - 1) + 1;
  return /^[ \t]*/.exec(source.slice(lineStart))![0];
}

function reindent(text: string, indent: string): string {
  return text.replace(/\n/g, `\n${indent}`);
}

/** Appends `text` to an array literal, keeping its layout (one element per line or inline). */
export function appendToArray(array: ts.ArrayLiteralExpression, text: string): Insertion {
  const source = array.getSourceFile().text;
  const multiline = source.slice(array.getStart(), array.getEnd()).includes('\n');
  const elements = array.elements;
  if (elements.length === 0) {
    if (!multiline && !text.includes('\n')) return { pos: array.getStart() + 1, text };
    const outer = lineIndent(source, array.getStart());
    const inner = outer + '  ';
    return { pos: array.getStart() + 1, text: `\n${inner}${reindent(text, inner)},\n${outer}` };
  }
  const last = elements[elements.length - 1];
  if (!multiline) return { pos: last.getEnd(), text: `, ${text}` };
  const indent = lineIndent(source, last.getStart());
  if (elements.hasTrailingComma) {
    const comma = source.indexOf(',', last.getEnd());
    return { pos: comma + 1, text: `\n${indent}${reindent(text, indent)},` };
  }
  return { pos: last.getEnd(), text: `,\n${indent}${reindent(text, indent)}` };
}

/** Inserts `text` as an element before `element` of an array literal. */
export function insertBefore(
  array: ts.ArrayLiteralExpression,
  element: ts.Expression,
  text: string,
): Insertion {
  const source = array.getSourceFile().text;
  const multiline = source.slice(array.getStart(), array.getEnd()).includes('\n');
  if (!multiline) return { pos: element.getStart(), text: `${text}, ` };
  // Before the comment lines above the element too, so that a comment stays with its element.
  const lineStart = (pos: number) => source.lastIndexOf('\n', pos - 1) + 1;
  const ownLine = (ts.getLeadingCommentRanges(source, element.pos) ?? []).find(
    (c) => source.slice(lineStart(c.pos), c.pos).trim() === '',
  );
  const at = lineStart(ownLine?.pos ?? element.getStart());
  const indent = lineIndent(source, element.getStart());
  return { pos: at, text: `${indent}${reindent(text, indent)},\n` };
}

/** Adds `name: value` to an object literal, after its last property. */
export function addProperty(object: ts.ObjectLiteralExpression, name: string, value: string): Insertion {
  const source = object.getSourceFile().text;
  const props = object.properties;
  if (props.length === 0) {
    const indent = lineIndent(source, object.getStart()) + '  ';
    return { pos: object.getStart() + 1, text: `\n${indent}${name}: ${value},\n` };
  }
  const last = props[props.length - 1];
  const indent = lineIndent(source, last.getStart());
  if (props.hasTrailingComma) {
    return { pos: source.indexOf(',', last.getEnd()) + 1, text: `\n${indent}${name}: ${value},` };
  }
  return { pos: last.getEnd(), text: `,\n${indent}${name}: ${value}` };
}

/**
 * Adds `import { symbol } from 'moduleName'` for each symbol the file does not import yet: into
 * an existing named import of that module, else as a new declaration after the last import.
 */
export function addImports(tree: Tree, filePath: string, moduleName: string, symbols: string[]): void {
  for (const symbol of symbols) {
    const source = parse(tree, filePath);
    const imports = source.statements.filter(ts.isImportDeclaration);
    const fromModule = imports.filter(
      (i) => ts.isStringLiteral(i.moduleSpecifier) && i.moduleSpecifier.text === moduleName,
    );
    const named = (i: ts.ImportDeclaration) => {
      const bindings = i.importClause?.namedBindings;
      return bindings && ts.isNamedImports(bindings) ? bindings : undefined;
    };
    if (fromModule.some((i) => named(i)?.elements.some((e) => e.name.text === symbol))) continue;
    const target = fromModule.map(named).find((n) => n && !n.parent.isTypeOnly);
    if (target && target.elements.length > 0) {
      insert(tree, filePath, [{ pos: target.elements[target.elements.length - 1].getEnd(), text: `, ${symbol}` }]);
    } else if (target) {
      insert(tree, filePath, [{ pos: target.getStart() + 1, text: ` ${symbol} ` }]);
    } else {
      const statement = `import { ${symbol} } from '${moduleName}';`;
      const last = imports[imports.length - 1];
      insert(tree, filePath, [
        last ? { pos: last.getEnd(), text: `\n${statement}` } : { pos: 0, text: `${statement}\n` },
      ]);
    }
  }
}

/** The tree path of a relative module specifier (`./app/app.config`), or undefined. */
function resolveModule(tree: Tree, fromFile: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = posix.join(posix.dirname(fromFile), specifier);
  return [`${base}.ts`, `${base}/index.ts`, base].find((p) => p.endsWith('.ts') && tree.exists(p));
}

/** A module specifier for `toFile`, relative to `fromFile` (`./app.routes`). */
export function relativeSpecifier(fromFile: string, toFile: string): string {
  const path = posix.relative(posix.dirname(fromFile), toFile).replace(/\.ts$/, '');
  return path.startsWith('.') ? path : `./${path}`;
}

/** A top-level `const name = <initializer>` of a file, or a class named `name`. */
export interface Declaration {
  filePath: string;
  name: string;
  node: ts.VariableDeclaration | ts.ClassDeclaration;
}

function declaredIn(source: ts.SourceFile, name: string): ts.VariableDeclaration | ts.ClassDeclaration | undefined {
  for (const statement of source.statements) {
    if (ts.isClassDeclaration(statement) && statement.name?.text === name) return statement;
    if (ts.isVariableStatement(statement)) {
      const found = statement.declarationList.declarations.find(
        (d) => ts.isIdentifier(d.name) && d.name.text === name,
      );
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Where the identifier `name`, used in `filePath`, is declared: in that file, or (one relative
 * import away) in the file it is imported from.
 */
export function resolveDeclaration(tree: Tree, filePath: string, name: string): Declaration | undefined {
  const source = parse(tree, filePath);
  const local = declaredIn(source, name);
  if (local) return { filePath, name, node: local };
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const bindings = statement.importClause?.namedBindings;
    if (!bindings || !ts.isNamedImports(bindings)) continue;
    const element = bindings.elements.find((e) => e.name.text === name);
    if (!element) continue;
    const target = resolveModule(tree, filePath, statement.moduleSpecifier.text);
    if (!target) return undefined;
    const exported = (element.propertyName ?? element.name).text;
    const node = declaredIn(parse(tree, target), exported);
    return node ? { filePath: target, name: exported, node } : undefined;
  }
  return undefined;
}

/** The expression `node` stands for: itself, or what an identifier is declared as. */
export function resolveExpression(
  tree: Tree,
  filePath: string,
  node: ts.Expression,
): { filePath: string; name?: string; expression: ts.Expression } | undefined {
  let expression = node;
  while (ts.isAsExpression(expression) || ts.isSatisfiesExpression(expression) || ts.isParenthesizedExpression(expression)) {
    expression = expression.expression;
  }
  if (!ts.isIdentifier(expression)) return { filePath, expression };
  const declaration = resolveDeclaration(tree, filePath, expression.text);
  if (!declaration || !ts.isVariableDeclaration(declaration.node) || !declaration.node.initializer) return undefined;
  // Re-parse: the declaration was read from its own file, whose text may have changed since.
  const { filePath: file, name } = declaration;
  const fresh = declaredIn(parse(tree, file), name) as ts.VariableDeclaration;
  let init = fresh.initializer!;
  while (ts.isAsExpression(init) || ts.isSatisfiesExpression(init) || ts.isParenthesizedExpression(init)) {
    init = init.expression;
  }
  return { filePath: file, name, expression: init };
}
