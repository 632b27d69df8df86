// One annotation's save queue, as data: what the server holds of it (id, version, parts, class, flag) and
// whether the document differs; the request that brings the server up to the document; and the entry kept
// in localStorage while a save is pending. Pure: no store, no network, no storage (sync.js does those).

import { categoryFromServer, flagFromServer, flagToServer, openFlag, sameFlag } from "./flags.js";
import { partsFromServer, partsToServer, sameParts } from "./store.js";

/** What the document holds of an annotation, to compare with the server's later (null: deleted). */
export function snapshotOf(annotation) {
  return annotation ? { parts: annotation.parts, categoryId: annotation.categoryId, flag: annotation.flag || null } : null;
}

/** Whether a server annotation holds exactly a snapshot (null: deleted). */
export function holds(item, snapshot) {
  if (!snapshot) return Boolean(item.deleted);
  return !item.deleted && categoryFromServer(item) === snapshot.categoryId
    && sameFlag(flagFromServer(item.flag), snapshot.flag || null)
    && sameParts(partsFromServer(item.parts), snapshot.parts);
}

/** Remember that the server holds `item` now. */
export function learn(record, item) {
  record.serverClientId = item.client_id;
  record.serverId = item.id;
  record.version = item.version;
  record.serverDeleted = Boolean(item.deleted);
  record.known = item.deleted ? null
    : { parts: partsFromServer(item.parts), categoryId: categoryFromServer(item), flag: flagFromServer(item.flag) };
}

/** A queue for a local annotation: the server's `item` of it, or none yet (never sent). */
export function newRecord(localId, item = null) {
  const record = {
    localId,
    serverClientId: item ? item.client_id : localId,
    serverId: null,
    version: null,
    known: null, // {parts, categoryId, flag} the server holds
    serverDeleted: false,
    dirty: false,
    inFlight: false,
    readOnly: Boolean(item && item.mine === false), // someone else's: shown, never sent
    unconfirmed: [], // snapshots sent whose answers never came: a 409 showing one of them is our own work
  };
  if (item) learn(record, item);
  return record;
}

/** The request ({method, url, body}) that makes the server hold `annotation` (null: deleted), or null when
 *  it already does (or when a drawing was removed before it was ever sent). */
export function requestFor(record, annotation, imageId) {
  if (annotation) {
    if (record.serverId !== null && record.serverDeleted) {
      // Undoing a delete restores the same annotation, so its identity and labour ledger carry on.
      const body = { version: record.version, deleted: false, parts: partsToServer(annotation.parts), category_id: annotation.categoryId };
      if (openFlag(annotation.flag)) body.flag = flagToServer(annotation.flag);
      return { method: "PATCH", url: `/api/annotations/${record.serverId}`, body };
    }
    if (record.serverId === null) {
      const body = { client_id: record.serverClientId, category_id: annotation.categoryId, parts: partsToServer(annotation.parts) };
      if (annotation.flag) body.flag = flagToServer(annotation.flag);
      return { method: "POST", url: `/api/images/${imageId}/annotations`, body };
    }
    const body = { version: record.version };
    if (!sameParts(annotation.parts, record.known.parts)) body.parts = partsToServer(annotation.parts);
    const flagChanged = !sameFlag(annotation.flag, record.known.flag);
    // A flag goes with the pick (the server keeps it beside the void class; clearing gives it back), and a
    // new pick while flagged goes with the flag.
    if (annotation.categoryId !== record.known.categoryId || flagChanged) body.category_id = annotation.categoryId;
    if (flagChanged || ("category_id" in body && openFlag(annotation.flag))) body.flag = flagToServer(annotation.flag);
    if (!("parts" in body) && !("category_id" in body)) return null; // back to what the server holds
    return { method: "PATCH", url: `/api/annotations/${record.serverId}`, body };
  }
  if (record.serverId === null || record.serverDeleted) return null; // drawn and removed before it was sent
  return { method: "DELETE", url: `/api/annotations/${record.serverId}`, body: { version: record.version } };
}

/** A pending save as kept in localStorage: whom the server knows it as, and what the document wants. */
export function pendingEntry(record, annotation) {
  return {
    serverClientId: record.serverClientId,
    serverId: record.serverDeleted ? null : record.serverId,
    version: record.version,
    desired: annotation ? { parts: partsToServer(annotation.parts), categoryId: annotation.categoryId,
      flag: annotation.flag || null } : null,
  };
}

/** What a kept entry wants the annotation to be, as the document holds it (null: deleted). */
export function desiredOf(entry) {
  return entry.desired
    ? { parts: partsFromServer(entry.desired.parts), categoryId: entry.desired.categoryId,
      flag: flagFromServer(entry.desired.flag) } : null;
}

/** Whether a kept entry names an annotation the server had (and so may have deleted since). */
export function wasOnServer(entry) {
  return entry.serverId !== null && entry.serverId !== undefined;
}
