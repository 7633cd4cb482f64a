/**
 * jose, loaded when a signature is first checked: the first load of a page that is not the
 * callback needs none of it, and an app's build puts it in a chunk of its own (measured by the
 * bundle budget test). Callers start the load before the request whose answer they will check,
 * so it overlaps the network (the callback's token request, a refresh).
 */
export function loadJose(): Promise<typeof import('./jose-parts')> {
  return (loading ??= import('./jose-parts'));
}

let loading: Promise<typeof import('./jose-parts')> | undefined;
