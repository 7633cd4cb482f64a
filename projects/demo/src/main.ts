import { bootstrapApplication } from '@angular/platform-browser';

import { App } from './app/app';
import { createAppConfig } from './app/app.config';
import { loadDemoEnv } from './app/demo-env';

// The backend writes the URLs and ports it listens on to /demo-env.json; read them before
// bootstrap so provideAuth() gets its final configuration.
loadDemoEnv()
  .then((env) => bootstrapApplication(App, createAppConfig(env, window.location.origin)))
  .catch((err: unknown) => {
    console.error(err);
    const root = document.querySelector('app-root');
    if (root) {
      root.textContent = `The demo failed to start: ${err instanceof Error ? err.message : String(err)}`;
    }
  });
