// Building the pages' DOM: one helper, element(), used by every page. Text goes in as textContent only, and
// attributes with setAttribute: nothing passed here is ever parsed as HTML, so a name like "<img onerror=…>"
// shows as those characters. The document is the caller's (a container's ownerDocument, or `document`), so a
// node test can pass a fake one.

/**
 * A new `tag` element of `doc`: `className`; `text` (any value but null/undefined, as text: 0 shows "0");
 * `testid` (its data-testid, what the tests find it by); `attrs`, more attributes by name.
 */
export function element(doc, tag, { className = "", text = null, testid = "", attrs = {} } = {}) {
  const node = doc.createElement(tag);
  if (className) node.className = className;
  if (text !== null && text !== undefined) node.textContent = String(text);
  if (testid) node.setAttribute("data-testid", testid);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  return node;
}
