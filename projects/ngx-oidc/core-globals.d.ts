/*
 * The one global that src/lib/core/ uses, declared for tsconfig.core.json, which type-checks
 * core/ with no Angular types. (If tsc says this file "is not a module", a core/ file imported
 * @angular/* or rxjs: tsconfig.core.json maps those here so that such an import fails.)
 *
 * Development-only messages. Every message for developers is written at its site as
 *
 *   (typeof ngDevMode === 'undefined' || ngDevMode) ? `text` : ''
 *
 * e.g. new AuthError(code, (typeof ngDevMode === 'undefined' || ngDevMode) ? `text` : '', details).
 * Production builds (Angular CLI: esbuild with --define:ngDevMode=false and minify) fold the
 * condition to false and drop the text, so production errors carry the code and the compared
 * values only (errors.ts, productionMessage). It is true in development builds and tests
 * (ngDevMode undefined, or Angular's counters object). bench/bundle-budget.test.mjs checks that
 * production bundles carry none of a sample of the messages.
 *
 * The condition must be that literal expression at each site. Measured with esbuild 0.28
 * (`esbuild app.mjs --bundle --minify --define:ngDevMode=false --format=esm`), the message in a
 * package module that has imports, as the package's single FESM file does:
 *   - the literal expression at the site               text dropped: new Error("")
 *   - const DEV = typeof ngDevMode === … || ngDevMode  text kept: var d=!1; … d?"TEXT":""
 *   - const DEV = ngDevMode                            text kept: var f=!1; … f?"TEXT":""
 *   - function dev(m) { return (literal) ? m : '' }    text kept: function E(T){return""} … E("TEXT")
 *   - the same helper given a thunk, dev(() => m)      text kept: E(()=>"TEXT")
 * (esbuild inlines a top-level constant only in a module without imports, and never inlines a
 * function call.) So the one helper is this declaration and the idiom, not a function or constant.
 *
 * Not in src/: the library's own compilations (tsconfig.lib.json, tsconfig.spec.json, ng-packagr,
 * karma) get Angular's global `const ngDevMode: null | NgDevModePerfCounters`, which a second
 * declaration would conflict with. Core only tests it for truthiness, so `unknown` is enough here.
 */
declare const ngDevMode: unknown;
