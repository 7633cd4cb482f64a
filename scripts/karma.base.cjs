// Shared Karma configuration of the workspace's karma projects (library and demo).
// Runs in headless Chromium (CHROME_BIN, set by scripts/test.mjs from
// scripts/ensure-chromium.mjs) with the `ChromeHeadlessCI` launcher.
// Single run vs. watch is controlled by the Angular builder (`--watch=false`).
const path = require('node:path');

/**
 * Safety net for single runs: when the browser reports an error outside a spec
 * (e.g. "An error was thrown in afterAll"), Karma force-kills Chromium and the
 * `ng test` process sometimes never exits (left-over Chromium helper processes
 * keep its pipes open). Once Karma has closed, exit with Karma's exit code if
 * the process is still alive 10 s later (the timer is unref'd, so a normal exit
 * is not delayed).
 */
function ExitGuardReporter(config) {
  let exitCode = 1;
  this.adapters = [];
  this.onRunComplete = (_browsers, results) => {
    exitCode =
      results.exitCode ?? (results.failed || results.error || results.disconnected ? 1 : 0);
  };
  this.onExit = (done) => {
    if (config.singleRun) {
      setTimeout(() => {
        console.error(
          `[exit-guard] Karma finished but the process did not exit; exiting with code ${exitCode}.`,
        );
        process.exit(exitCode);
      }, 10_000).unref();
    }
    done();
  };
}
ExitGuardReporter.$inject = ['config'];

/** @param {string} project Name of the project, for the coverage folder. */
module.exports = (project) => function (config) {
  config.set({
    basePath: '',
    frameworks: ['jasmine'],
    plugins: [
      require('karma-jasmine'),
      require('karma-chrome-launcher'),
      require('karma-jasmine-html-reporter'),
      require('karma-coverage'),
      { 'reporter:exit-guard': ['type', ExitGuardReporter] },
    ],
    client: {
      jasmine: {
        // random: false, // uncomment to debug order-dependent failures
      },
    },
    jasmineHtmlReporter: { suppressAll: true },
    coverageReporter: {
      dir: path.join(__dirname, '../coverage', project),
      subdir: '.',
      reporters: [{ type: 'html' }, { type: 'text-summary' }],
    },
    // `progress` prints "Executed N of N SUCCESS" / "(M FAILED)" and the full
    // name + stack of every failing spec; `kjhtml` is for interactive runs;
    // `exit-guard` see above.
    reporters: ['progress', 'kjhtml', 'exit-guard'],
    browsers: ['ChromeHeadlessCI'],
    customLaunchers: {
      ChromeHeadlessCI: {
        base: 'ChromeHeadless',
        flags: [
          '--no-sandbox',
          '--disable-background-networking',
          '--disable-component-update',
          '--no-first-run',
          '--disable-gpu',
          '--disable-dev-shm-usage',
        ],
      },
    },
    colors: process.stdout.isTTY === true,
    restartOnFileChange: true,
    captureTimeout: 120000,
    browserNoActivityTimeout: 120000,
    browserDisconnectTimeout: 30000,
    browserDisconnectTolerance: 1,
  });
};
