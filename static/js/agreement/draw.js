// Drawing everyone's outlines on the agreement page's canvas (image pixels = canvas pixels). Takes the 2-D
// context and plain data, so a node test can hand it a recording fake context.

/** Trace an annotation's parts (outer rings and holes) as one path. */
export function tracePath(ctx, parts) {
  ctx.beginPath();
  for (const part of parts) {
    const points = part.points || [];
    if (points.length < 6) continue;
    ctx.moveTo(points[0], points[1]);
    for (let i = 2; i < points.length; i += 2) ctx.lineTo(points[i], points[i + 1]);
    ctx.closePath();
  }
}

/**
 * Draw `outlines` ([{ id, person, parts }]) in their people's colours. `selected`: a Set of annotation ids
 * to pick out (drawn thick and lightly filled, the rest faded), or null for none. `lineWidth` is in image
 * pixels (the page passes what makes ~2 screen pixels). Returns how many outlines were drawn.
 */
export function drawOutlines(ctx, outlines, { colourOf, selected = null, lineWidth = 2 }) {
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  ctx.lineJoin = "round";
  const ordered = selected ? [...outlines.filter((o) => !selected.has(o.id)), ...outlines.filter((o) => selected.has(o.id))]
    : outlines;
  for (const outline of ordered) {
    const picked = selected?.has(outline.id) ?? false;
    const colour = colourOf(outline.person);
    ctx.globalAlpha = selected && !picked ? 0.25 : 1;
    tracePath(ctx, outline.parts);
    if (picked) {
      ctx.fillStyle = colour;
      ctx.globalAlpha = 0.2;
      ctx.fill("evenodd"); // holes stay clear
      ctx.globalAlpha = 1;
    }
    const width = picked ? lineWidth * 2 : lineWidth;
    ctx.strokeStyle = "rgba(0, 0, 0, 0.7)"; // a dark halo keeps light colours visible on a bright sky
    ctx.lineWidth = width + 2 * Math.max(lineWidth / 2, 0.5);
    ctx.stroke();
    ctx.strokeStyle = colour;
    ctx.lineWidth = width;
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
  return ordered.length;
}
