import { APP_ORIGIN, createKey, DISCOVERY, FakeProvider, ISSUER, NOW, rejectionOf, testConfig, type TestKey } from '../../test-support/fake-provider';
import { FakeAuthServer, ManualClock, TOKEN_ENDPOINT, type FrameScript } from '../../test-support/fake-platform';
import { AuthError } from './errors';
import type { FlowContext } from './login-flow';
import { createMetadataCache } from './metadata-cache';
import { silentLogin, SILENT_TIMEOUT_MS } from './silent-auth';
import { keysWithPrefix, MemoryStorage } from './storage';
import { TRANSACTION_PREFIX } from './pending-logins';

const SILENT_URI = `${APP_ORIGIN}/silent-callback.html`;

describe('silent authentication', () => {
  let key: TestKey;
  let provider: FakeProvider;
  let server: FakeAuthServer;
  let storage: MemoryStorage;
  let ctx: FlowContext;
  let frames: { url: string; timeoutMs: number }[];

  beforeAll(async () => {
    key = await createKey('k1');
  });

  beforeEach(() => {
    provider = new FakeProvider();
    server = new FakeAuthServer(provider, key, new ManualClock(NOW));
    storage = new MemoryStorage();
    ctx = { config: testConfig(), fetch: provider.fetch, transactions: storage, now: () => NOW, metadata: createMetadataCache(ISSUER, provider.fetch, storage, () => NOW) };
    frames = [];
  });

  /** A runFrame that records the frame and answers with `script`. */
  function frame(script: FrameScript): (url: string, timeoutMs: number) => Promise<string> {
    return (url, timeoutMs) => {
      frames.push({ url, timeoutMs });
      return script(url, timeoutMs);
    };
  }

  function pendingTransactions(): string[] {
    return keysWithPrefix(storage, TRANSACTION_PREFIX);
  }

  it('loads an authorization request with prompt=none and the silent redirect URI in the frame', async () => {
    await silentLogin(ctx, SILENT_URI, { audience: 'https://mgmt.example.com', scope: 'openid read:current_user' }, frame(server.silentSuccess()), 5000);

    expect(frames.length).toBe(1);
    expect(frames[0].timeoutMs).toBe(5000);
    const url = new URL(frames[0].url);
    expect(url.origin + url.pathname).toBe(DISCOVERY.authorization_endpoint);
    expect(url.searchParams.get('prompt')).toBe('none');
    expect(url.searchParams.get('redirect_uri')).toBe(SILENT_URI);
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('audience')).toBe('https://mgmt.example.com');
    expect(url.searchParams.get('scope')).toBe('openid read:current_user');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    // The configuration keeps its own redirect URI.
    expect(ctx.config.redirectUri).toBe(`${APP_ORIGIN}/callback`);
  });

  it("uses the client's metadata: a second silent login costs only the token request", async () => {
    await silentLogin(ctx, SILENT_URI, {}, frame(server.silentSuccess()));
    provider.requests.length = 0;

    await silentLogin(ctx, SILENT_URI, {}, frame(server.silentSuccess()));

    expect(provider.requests.map((r) => r.url)).toEqual([TOKEN_ENDPOINT]);
  });

  it('sends the idTokenHint option as id_token_hint next to prompt=none', async () => {
    await silentLogin(ctx, SILENT_URI, { idTokenHint: 'the.id.token' }, frame(server.silentSuccess()));

    const q = new URL(frames[0].url).searchParams;
    expect(q.get('prompt')).toBe('none');
    expect(q.get('id_token_hint')).toBe('the.id.token');
  });

  it('defaults the frame timeout to 10 s', async () => {
    await silentLogin(ctx, SILENT_URI, {}, frame(server.silentSuccess()));

    expect(frames[0].timeoutMs).toBe(SILENT_TIMEOUT_MS);
    expect(SILENT_TIMEOUT_MS).toBe(10_000);
  });

  it('completes like a login: one code exchange at the silent redirect URI, validated tokens, transaction consumed', async () => {
    const result = await silentLogin(ctx, SILENT_URI, {}, frame(server.silentSuccess()));

    const exchanges = server.tokenRequests('authorization_code');
    expect(exchanges.length).toBe(1);
    expect(exchanges[0].get('redirect_uri')).toBe(SILENT_URI);
    expect(result.tokens.accessToken).toBe('silent-access-token-1');
    expect(result.tokens.claims.sub).toBe('alice');
    expect(result.tokens.claims.nonce).toBe(new URL(frames[0].url).searchParams.get('nonce')!);
    expect(result.transaction.redirectUri).toBe(SILENT_URI);
    expect(pendingTransactions()).toEqual([]);
  });

  it('refuses an ID token with another nonce (nonce_mismatch), as a login would', async () => {
    const err = await rejectionOf(silentLogin(ctx, SILENT_URI, {}, frame(server.silentSuccess({ nonce: 'a-replayed-nonce' }))));

    expect(err.code).toBe('nonce_mismatch');
    expect(pendingTransactions()).toEqual([]);
  });

  it('refuses an answer for another state (state_mismatch) without redeeming its code', async () => {
    const answer: FrameScript = async (url) => {
      const real = await server.silentSuccess()(url, 0);
      return real.replace(/state=[^&]+/, 'state=forged-state');
    };

    const err = await rejectionOf(silentLogin(ctx, SILENT_URI, {}, frame(answer)));

    expect(err.code).toBe('state_mismatch');
    expect(server.tokenRequests().length).toBe(0);
  });

  it('fails with login_required when the provider has no session', async () => {
    const err = await rejectionOf(silentLogin(ctx, SILENT_URI, {}, frame(server.silentError('login_required'))));

    expect(err.code).toBe('login_required');
    expect(err.details.error).toBe('login_required');
    expect(server.tokenRequests().length).toBe(0);
    expect(pendingTransactions()).toEqual([]);
  });

  it('fails with consent_required when the user must consent', async () => {
    const err = await rejectionOf(silentLogin(ctx, SILENT_URI, {}, frame(server.silentError('consent_required'))));

    expect(err.code).toBe('consent_required');
  });

  it('fails with interaction_required when the provider needs the user', async () => {
    const err = await rejectionOf(silentLogin(ctx, SILENT_URI, {}, frame(server.silentError('interaction_required'))));

    expect(err.code).toBe('interaction_required');
  });

  it('fails with timeout when the frame never answers, and removes the transaction', async () => {
    const neverAnswers: FrameScript = () => Promise.reject(new AuthError('timeout', 'no answer'));

    const err = await rejectionOf(silentLogin(ctx, SILENT_URI, {}, frame(neverAnswers), 1000));

    expect(err.code).toBe('timeout');
    expect(frames.length).toBe(1);
    expect(pendingTransactions()).toEqual([]);
    expect(server.tokenRequests().length).toBe(0);
  });

  it('reports a frame that fails to load as timeout, and removes the transaction', async () => {
    const broken: FrameScript = () => Promise.reject(new Error('frame blocked'));

    const err = await rejectionOf(silentLogin(ctx, SILENT_URI, {}, frame(broken)));

    expect(err.code).toBe('timeout');
    expect(err.message).toContain('frame blocked');
    expect(pendingTransactions()).toEqual([]);
  });

  it('keeps the token endpoint untouched until the frame answered', async () => {
    let answer!: (url: string) => void;
    let loaded!: () => void;
    const frameLoaded = new Promise<void>((resolve) => (loaded = resolve));
    const held: FrameScript = () =>
      new Promise((resolve) => {
        answer = resolve;
        loaded();
      });
    const script = server.silentSuccess();

    const pending = silentLogin(ctx, SILENT_URI, {}, frame(held));
    await frameLoaded;
    expect(frames.length).toBe(1);
    expect(provider.requestsTo(TOKEN_ENDPOINT).length).toBe(0);
    expect(pendingTransactions().length).toBe(1);

    answer(await script(frames[0].url, 0));
    const result = await pending;
    expect(result.tokens.accessToken).toBe('silent-access-token-1');
  });
});
