// Reading the instructor's workshop form into the JSON PUT /api/workshop expects. Pure: no DOM access
// beyond the values handed in, so node tests can check it.

/** "3, 5 7" -> [3, 5, 7]; "" -> null (every image); throws with a readable message on anything else. */
export function parseImageIds(text) {
  const trimmed = String(text || "").trim();
  if (!trimmed) return null;
  const pieces = trimmed.split(/[\s,;]+/).filter(Boolean);
  const ids = pieces.map((piece) => {
    if (!/^\d{1,9}$/.test(piece) || Number(piece) < 1) throw new Error(`"${piece}" is not an image id`);
    return Number(piece);
  });
  return ids;
}

/** The settings payload from the form's values. */
export function settingsPayload({ assignment, imageIds, shareLayers }) {
  return { assignment, image_ids: parseImageIds(imageIds), share_layers: Boolean(shareLayers) };
}
