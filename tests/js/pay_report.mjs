// A person's record as GET /api/labour/summary.json gives it: three outlines (one deleted) on two images, and a
// drawing cancelled before closing. 10 minutes of active time in all.
export const REPORT = {
  totals: { active_ms: 600_000, polygons: 3, cancelled_drawings: 1, cancelled_ms: 50_000 },
  polygons: [
    { annotation: "a", image_id: 1, total_ms: 200_000, deleted: false, closed: true, vertices: 10 },
    { annotation: "b", image_id: 1, total_ms: 100_000, deleted: true, closed: true, vertices: 6 },
    { annotation: "c", image_id: 2, total_ms: 150_000, deleted: false, closed: true, vertices: 8 },
  ],
  cancelled: [{ annotation: "x", total_ms: 50_000, closed: false }],
  images: [{ image_id: 1 }, { image_id: 2 }, { image_id: 3 }],
};
