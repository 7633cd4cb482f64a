import { inject } from '@angular/core';
import { Router, type Routes } from '@angular/router';
import { authGuard } from 'ngx-oidc';

import { ApiPage } from './api/api-page';
import { Home } from './home/home';
import { OptionsPage } from './options/options-page';
import { PartnerPage } from './partner/partner-page';
import { Profile } from './profile/profile';
import { StepUpPage } from './step-up/step-up-page';

export const routes: Routes = [
  { path: '', component: Home, title: 'ngx-oidc demo' },
  {
    path: 'profile',
    component: Profile,
    canActivate: [authGuard],
    title: 'Profile · ngx-oidc demo',
  },
  { path: 'api', component: ApiPage, title: 'API · ngx-oidc demo' },
  { path: 'options', component: OptionsPage, title: 'Options · ngx-oidc demo' },
  { path: 'step-up', component: StepUpPage, title: 'Sensitive action · ngx-oidc demo' },
  { path: 'partner', component: PartnerPage, title: 'Partner · ngx-oidc demo' },
  // Lazy: diagnoseToken() then stays out of the initial bundle (the interceptor only uses it in
  // development mode).
  {
    path: 'inspector',
    loadComponent: () => import('./inspector/inspector').then((m) => m.Inspector),
    title: 'Token inspector · ngx-oidc demo',
  },
  // provideAuth() completes the login and rewrites the address bar before the first
  // navigation, so /callback is only ever routed on a direct visit. Its query (a stray code or
  // state) is dropped rather than carried over to the home page.
  { path: 'callback', redirectTo: () => inject(Router).createUrlTree(['/']) },
  { path: '**', redirectTo: '' },
];
