import { Component } from '@angular/core';

@Component({
  selector: 'lib-ngx-oidc',
  imports: [],
  template: ` <p>ngx-oidc works!</p> `,
  styles: ``,
})
export class NgxOidc {}
