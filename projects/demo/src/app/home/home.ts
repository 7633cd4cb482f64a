import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { RouterLink } from '@angular/router';
import { AuthService } from 'ngx-oidc';

import { ApiCalls } from '../api/api-calls';
import { DEMO_ENV } from '../demo-env';
import { PopupCard } from '../popup/popup-card';
import { SessionPanel } from '../session/session-panel';

/** What the demo shows and how to log in. */
@Component({
  selector: 'app-home',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, ApiCalls, SessionPanel, PopupCard],
  templateUrl: './home.html',
  styleUrl: './home.css',
})
export class Home {
  protected readonly auth = inject(AuthService);
  protected readonly env = inject(DEMO_ENV);
}
