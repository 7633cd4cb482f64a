import { ComponentFixture, TestBed } from '@angular/core/testing';

import { NgxOidc } from './ngx-oidc';

describe('NgxOidc', () => {
  let component: NgxOidc;
  let fixture: ComponentFixture<NgxOidc>;

  beforeEach(async () => {
    await TestBed.configureTestingModule({
      imports: [NgxOidc],
    }).compileComponents();

    fixture = TestBed.createComponent(NgxOidc);
    component = fixture.componentInstance;
    await fixture.whenStable();
  });

  it('should create', () => {
    expect(component).toBeTruthy();
  });
});
