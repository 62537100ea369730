/**
 * The states of a list that loads from the API, the same in every view: "Loading…" while it loads
 * (aria-busy on the box, so screen readers and tests wait for the answer), the content once it is
 * there, and on failure the reason with a Retry button that loads again.
 */
import { errorText, h } from './dom';

export interface LoadOptions {
  /** What is loading, for the messages ("incidents" -> "Could not load incidents: …"). */
  what: string;
  /** Whether this answer is still wanted (a newer search may have started since). */
  current?: () => boolean;
}

/** Why `what` did not load, with a Retry button (also for lists that poll and keep their own rows). */
export function loadError(what: string, err: unknown, retry: () => void): HTMLElement {
  return h(
    'div',
    { class: 'load-error', role: 'alert' },
    h('p', { class: 'error' }, `Could not load ${what}: ${errorText(err)}`),
    h('button', { type: 'button', class: 'secondary retry-load', onclick: retry }, 'Retry'),
  );
}

export async function loadInto<T>(box: HTMLElement, load: () => Promise<T>, render: (value: T) => Node | Node[], options: LoadOptions): Promise<void> {
  const wanted = options.current ?? (() => true);
  box.setAttribute('aria-busy', 'true');
  box.replaceChildren(h('p', { class: 'loading', role: 'status' }, `Loading ${options.what}…`));
  try {
    const value = await load();
    if (wanted()) box.replaceChildren(...[render(value)].flat());
  } catch (err) {
    if (!wanted()) return;
    box.replaceChildren(loadError(options.what, err, () => void loadInto(box, load, render, options)));
  } finally {
    if (wanted()) box.removeAttribute('aria-busy');
  }
}
