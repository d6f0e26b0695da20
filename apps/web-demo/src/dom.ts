import { hashString } from './hash.js';

/**
 * The page's only way to build elements: text always goes in as text nodes, never as HTML,
 * so a message like `<img src=x onerror=alert(1)>` shows as those characters and runs nothing.
 */
export type Child = Node | string | false | null | undefined;

export interface ElementProps {
  readonly className?: string;
  /** Attributes set with `setAttribute` (`aria-*`, `title`, `type`, `data-*`, ...). */
  readonly attrs?: Readonly<Record<string, string>>;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: ElementProps = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.className) element.className = props.className;
  for (const [name, value] of Object.entries(props.attrs ?? {})) element.setAttribute(name, value);
  for (const child of children) {
    if (child === false || child === null || child === undefined) continue;
    element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return element;
}

/** The element with this id, of the expected type; a missing one is a bug in index.html. */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`index.html has no <${type.name}> #${id}`);
  return element;
}

/**
 * A stable hue (0-359) for a player id, so each player's name keeps its colour; ids that
 * differ in one character (`bot-1`, `bot-2`) still get far-apart colours.
 */
export function hueOf(id: string): number {
  return hashString(id) % 360;
}
