// A guarded page that calls the API with httpResource; authInterceptor attaches the token.
// __API_URL__ is replaced by scripts/new-user.test.mjs.
import { JsonPipe } from '@angular/common';
import { httpResource } from '@angular/common/http';
import { ChangeDetectionStrategy, Component } from '@angular/core';

@Component({
  selector: 'app-profile',
  imports: [JsonPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Profile</h1>
    @if (messages.hasValue()) {
      <pre data-testid="api-result">{{ messages.value() | json }}</pre>
    } @else if (messages.error()) {
      <p data-testid="api-error">{{ messages.error()?.message }}</p>
    }
  `,
})
export class Profile {
  protected readonly messages = httpResource<unknown>(() => '__API_URL__/api/messages');
}
