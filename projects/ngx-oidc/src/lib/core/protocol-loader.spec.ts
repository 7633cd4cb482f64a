import { importOnce, loadProtocol } from './protocol-loader';

describe('importOnce', () => {
  it('loads once while the load succeeds', async () => {
    const importer = jasmine.createSpy('importer').and.resolveTo({ ok: true });
    const load = importOnce(importer);

    const [a, b] = await Promise.all([load(), load()]);
    await load();

    expect(a).toEqual({ ok: true });
    expect(b).toBe(a);
    expect(importer).toHaveBeenCalledTimes(1);
  });

  it('turns a failed load into network_error and tries again on the next call', async () => {
    const chunkGone = new TypeError('Failed to fetch dynamically imported module');
    const importer = jasmine.createSpy('importer').and.returnValues(Promise.reject(chunkGone), Promise.resolve({ ok: true }));
    const load = importOnce(importer);

    const error = await load().catch((e: unknown) => e);
    expect(error).toEqual(jasmine.objectContaining({ code: 'network_error' }));
    expect((error as { details: { cause: unknown } }).details.cause).toBe(chunkGone);

    expect(await load()).toEqual({ ok: true });
    expect(importer).toHaveBeenCalledTimes(2);
  });

  it('loads the real on-demand chunk', async () => {
    const protocol = await loadProtocol();

    expect(typeof protocol.validateIdToken).toBe('function');
    expect(typeof protocol.createKeyStore).toBe('function');
    expect(typeof protocol.startLogin).toBe('function');
    expect(typeof protocol.completeLogin).toBe('function');
    expect(typeof protocol.createRenewal).toBe('function');
  });
});
