/**
 * A few lines instead of a framework: elements built from attributes and children. Text is always set
 * as text (never parsed as HTML), so a file name or a checkout message cannot inject markup.
 */

type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

export const h = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] => {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value);
    else if (value === true) element.setAttribute(name, '');
    else if (value !== false && value !== null && value !== undefined)
      element.setAttribute(name, String(value));
  }
  append(element, ...children);
  return element;
};

export const append = (parent: Element, ...children: (Child | Child[])[]): void => {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
};

let nextId = 0;
/** A fresh element id, for label-for and aria-describedby pairs. */
export const uid = (prefix: string): string => `${prefix}-${++nextId}`;

/** A labelled form field: the label names the control for assistive technology and for the tests. */
export const field = (label: string, control: HTMLElement, hint?: string): HTMLElement => {
  const id = control.id || uid('field');
  control.id = id;
  const hintElement = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintElement) control.setAttribute('aria-describedby', hintElement.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintElement);
};
