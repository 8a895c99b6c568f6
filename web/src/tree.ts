/**
 * The folder tree (the ARIA tree pattern): each level is fetched from `GET /folders?prefix=` only when
 * it is first expanded. One item is in the tab order at a time; the arrow keys move, expand and
 * collapse, Enter opens a folder, Home and End jump.
 */
import type { Folder } from '../../shared/model';
import type { VaultApi } from './api';
import { h, uid } from './dom';

interface TreeNode {
  prefix: string;
  item: HTMLLIElement;
  count: HTMLElement;
  group: HTMLUListElement;
  children: Map<string, TreeNode>;
  loaded: boolean;
  /** The first fetch of this level while it is under way, so that two callers share it. */
  loading?: Promise<void>;
}

export interface FolderTree {
  element: HTMLElement;
  /** Marks `prefix` as the open folder and shows it, expanding the folders above it. */
  select(prefix: string): Promise<void>;
  /** Fetches again every level already shown, keeping what is expanded (after a change). */
  reload(): Promise<void>;
}

const keyOf = (prefix: string) => prefix.normalize('NFC').toLowerCase();
const labelOf = (prefix: string) => (prefix === '' ? 'Vault' : (prefix.split('/').at(-2) ?? prefix));
const filesText = (files: number) => (files === 1 ? '1 file' : `${files} files`);

export const folderTree = (
  api: VaultApi,
  onOpen: (prefix: string) => void,
  onError: (error: unknown) => void,
): FolderTree => {
  const tree = h('ul', { role: 'tree', 'aria-label': 'Folders', class: 'tree' });
  const nodes = new Map<string, TreeNode>();

  const nodeOf = (item: Element | null): TreeNode | undefined =>
    nodes.get(item?.closest('[role="treeitem"]')?.getAttribute('data-key') ?? '\0');

  const makeNode = (prefix: string): TreeNode => {
    const labelId = uid('folder');
    const count = h('span', { class: 'count', id: `${labelId}-count` });
    const group = h('ul', { role: 'group', hidden: true });
    const item = h(
      'li',
      {
        role: 'treeitem',
        'data-key': keyOf(prefix),
        'aria-labelledby': labelId,
        'aria-describedby': count.id,
        'aria-expanded': 'false',
        'aria-selected': 'false',
        tabindex: -1,
      },
      h(
        'span',
        { class: 'tree-row' },
        h('span', { class: 'twisty', 'aria-hidden': 'true' }),
        h('span', { id: labelId, class: 'tree-label' }, labelOf(prefix)),
        count,
      ),
      group,
    );
    const node: TreeNode = { prefix, item, count, group, children: new Map(), loaded: false };
    nodes.set(keyOf(prefix), node);
    return node;
  };

  const forget = (node: TreeNode) => {
    for (const child of node.children.values()) forget(child);
    nodes.delete(keyOf(node.prefix));
  };

  /** Fetches a level and reconciles it with what is shown, so that expanded folders stay expanded. */
  const load = async (node: TreeNode): Promise<void> => {
    const folders: Folder[] = await api.listFolders(node.prefix);
    const wanted = new Map(folders.map((folder) => [keyOf(folder.prefix), folder]));
    for (const [key, child] of node.children) {
      if (wanted.has(key)) continue;
      child.item.remove();
      forget(child);
      node.children.delete(key);
    }
    for (const folder of folders) {
      const key = keyOf(folder.prefix);
      const child = node.children.get(key) ?? makeNode(folder.prefix);
      node.children.set(key, child);
      child.count.textContent = filesText(folder.files);
      node.group.append(child.item);
    }
    node.loaded = true;
    if (folders.length === 0) node.item.removeAttribute('aria-expanded');
    else if (!node.item.hasAttribute('aria-expanded')) node.item.setAttribute('aria-expanded', 'false');
  };

  const expanded = (node: TreeNode) => node.item.getAttribute('aria-expanded') === 'true';

  const expand = async (node: TreeNode) => {
    if (!node.loaded) {
      node.loading ??= load(node).finally(() => {
        node.loading = undefined;
      });
      await node.loading;
    }
    if (node.children.size === 0) return;
    node.item.setAttribute('aria-expanded', 'true');
    node.group.hidden = false;
  };

  const collapse = (node: TreeNode) => {
    if (!node.item.hasAttribute('aria-expanded')) return;
    node.item.setAttribute('aria-expanded', 'false');
    node.group.hidden = true;
  };

  const focus = (node: TreeNode | undefined) => {
    if (!node) return;
    for (const other of tree.querySelectorAll('[role="treeitem"][tabindex="0"]'))
      other.setAttribute('tabindex', '-1');
    node.item.setAttribute('tabindex', '0');
    node.item.focus();
  };

  const visibleItems = () =>
    [...tree.querySelectorAll<HTMLLIElement>('[role="treeitem"]')].filter(
      (item) => !item.parentElement?.closest('[role="group"][hidden]'),
    );

  const open = (node: TreeNode) => {
    onOpen(node.prefix);
    void expand(node).catch(onError);
  };

  tree.addEventListener('click', (event) => {
    const node = nodeOf(event.target as Element);
    if (!node) return;
    event.stopPropagation();
    focus(node);
    if ((event.target as Element).closest('.twisty'))
      void (expanded(node) ? collapse(node) : expand(node).catch(onError));
    else open(node);
  });

  tree.addEventListener('keydown', (event) => {
    const node = nodeOf(event.target as Element);
    if (!node) return;
    const items = visibleItems();
    const index = items.indexOf(node.item);
    const parent = nodeOf(node.item.parentElement);
    const at = (position: number) => nodeOf(items[position] ?? null);
    const handled: Record<string, () => void> = {
      ArrowDown: () => focus(at(index + 1)),
      ArrowUp: () => focus(at(index - 1)),
      Home: () => focus(at(0)),
      End: () => focus(at(items.length - 1)),
      ArrowRight: () => {
        if (!expanded(node)) void expand(node).catch(onError);
        else focus(node.children.values().next().value);
      },
      ArrowLeft: () => (expanded(node) ? collapse(node) : focus(parent)),
      Enter: () => open(node),
      ' ': () => open(node),
    };
    const action = handled[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });

  const root = makeNode('');
  root.item.setAttribute('tabindex', '0');
  tree.append(root.item);

  const select = async (prefix: string) => {
    // Every folder above the chosen one is expanded, from the top down.
    let path = '';
    for (const segment of ['', ...prefix.split('/').filter(Boolean)]) {
      path += segment ? `${segment}/` : '';
      const node = nodes.get(keyOf(path));
      if (node && path !== prefix) await expand(node);
    }
    for (const node of nodes.values())
      node.item.setAttribute('aria-selected', String(node.prefix === prefix));
    const chosen = nodes.get(keyOf(prefix));
    if (chosen && !tree.contains(document.activeElement)) {
      for (const other of tree.querySelectorAll('[role="treeitem"][tabindex="0"]'))
        other.setAttribute('tabindex', '-1');
      chosen.item.setAttribute('tabindex', '0');
    }
  };

  const reload = async () => {
    const levels = [...nodes.values()].filter((node) => node.loaded);
    for (const node of levels) if (nodes.has(keyOf(node.prefix))) await load(node);
  };

  void expand(root).catch(onError);
  return { element: tree, select, reload };
};
