// loopback.mjs: which redirect URIs and origins count as "loopback, any port" (RFC 8252 §7.3).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { isLoopbackOrigin, isLoopbackUrl } from '../loopback.mjs';

describe('isLoopbackUrl', () => {
  it('accepts http on localhost, 127.0.0.1 and [::1], any port, any path', () => {
    for (const uri of [
      'http://localhost:4200/callback',
      'http://localhost:5173/silent-callback.html',
      'http://localhost:1/',
      'http://localhost:65535/auth/callback?tenant=a',
      'http://localhost/callback',
      'http://127.0.0.1:8080/callback',
      'http://[::1]:4300/callback',
      'http://localhost:4200', // a post-logout redirect URI without the trailing slash
      'http://[::1]:4300',
    ]) {
      assert.equal(isLoopbackUrl(uri), true, uri);
    }
  });

  it('refuses other hosts, look-alikes and userinfo tricks', () => {
    for (const uri of [
      'http://evil.com/callback',
      'http://localhost.evil.com:4200/callback',
      'http://localhost.:4200/callback',
      'http://127.0.0.1.nip.io:4200/callback',
      'http://127.0.0.2:4200/callback', // loopback, but not one of the three spellings
      'http://0.0.0.0:4200/callback',
      'http://[::2]:4200/callback',
      'http://localhost@evil.com/callback',
      'http://localhost:4200@evil.com/callback',
      'http://evil.com@localhost:4200/callback',
      'http://user:pass@localhost:4200/callback',
      'http://evil.com/localhost:4200/callback',
      'http://evil.com/?http://localhost:4200/',
      '//localhost:4200/callback',
      'localhost:4200/callback',
      '/callback',
      '',
    ]) {
      assert.equal(isLoopbackUrl(uri), false, uri);
    }
  });

  it('refuses other schemes', () => {
    for (const uri of [
      'https://localhost:4200/callback',
      'ws://localhost:4200/callback',
      'ftp://localhost:4200/callback',
      'file://localhost/etc/passwd',
      'javascript://localhost:4200/%0aalert(1)',
      'data:text/html,http://localhost:4200/',
      'com.example.app://localhost/callback',
      'HTTP://localhost:4200/callback', // not canonical
    ]) {
      assert.equal(isLoopbackUrl(uri), false, uri);
    }
  });

  it('refuses fragments and anything the URL parser would rewrite', () => {
    for (const uri of [
      'http://localhost:4200/callback#x',
      'http://localhost:4200/callback#',
      'http://LOCALHOST:4200/callback',
      'http://127.1:4200/callback',
      'http://0x7f.0.0.1:4200/callback',
      'http://[0:0:0:0:0:0:0:1]:4200/callback',
      'http://localhost:80/callback',
      'http://localhost:/callback',
      'http:\\\\localhost:4200\\callback',
      'http://localhost:4200/a/../callback',
      'http://localhost:4200/\tcallback',
      ' http://localhost:4200/callback',
      'http://localhost:99999/callback',
    ]) {
      assert.equal(isLoopbackUrl(uri), false, uri);
    }
  });

  it('refuses values that are not strings', () => {
    for (const value of [
      undefined,
      null,
      42,
      ['http://localhost:4200/'],
      new URL('http://localhost/'),
    ]) {
      assert.equal(isLoopbackUrl(value), false, String(value));
    }
  });
});

describe('isLoopbackOrigin', () => {
  it('accepts loopback origins on any port', () => {
    for (const origin of [
      'http://localhost:4200',
      'http://localhost:5173',
      'http://localhost',
      'http://127.0.0.1:8080',
      'http://[::1]:4300',
    ]) {
      assert.equal(isLoopbackOrigin(origin), true, origin);
    }
  });

  it('refuses other origins, paths, look-alikes and schemes', () => {
    for (const origin of [
      'null',
      'http://evil.example',
      'http://localhost.evil.com:4200',
      'http://localhost:4200.evil.com',
      'https://localhost:4200',
      'http://localhost:4200/',
      'http://localhost:4200/callback',
      'http://localhost@evil.com',
      'http://LOCALHOST:4200',
      undefined,
    ]) {
      assert.equal(isLoopbackOrigin(origin), false, String(origin));
    }
  });
});
