"""An editor page's traffic without a browser: joins (in a workshop), opens a labour session and draws outlines
with a scripted clock, so pages that show the ledger's figures can be checked against known values. Used by the
e2e fixtures and by docs/screenshots.py to seed a room."""

from __future__ import annotations

import re
from typing import Any

SCRIPT_SQUARE = [{"points": [100, 100, 300, 100, 300, 250, 100, 250]}]


class ScriptedEditor:
    """Sends what an editor page would, with a scripted clock: for pages that show the ledger's figures.
    Each instance is one browser (own cookies, so one person) and one editor page (one session)."""

    def __init__(self, server: Any, image_id: int, session_id: str, http: Any = None,
                 name: str | None = None) -> None:
        import requests

        self.server, self.image_id, self.session_id = server, image_id, session_id
        self.http = http or requests.Session()
        opened = self.http.get(server.url)
        self.headers = {"X-CSRFToken": re.search(r'name="csrf-token" content="([^"]+)"', opened.text).group(1)}
        if "/join" in opened.url:  # a workshop: this browser joins first, named `name` (or after its session)
            joined = self.http.post(f"{server.url}api/join", headers=self.headers, json={"name": name or session_id})
            assert joined.status_code == 201, joined.text
        self.seq, self.t = 0, 0.0
        self.send([self.event(0, "open")])

    def event(self, gap: float, kind: str, annotation: str | None = None, **data: Any) -> dict[str, Any]:
        self.t += gap
        self.seq += 1
        return {"seq": self.seq, "kind": kind, "t": self.t, **({"annotation": annotation} if annotation else {}),
                **({"data": data} if data else {})}

    def send(self, events: list[dict[str, Any]]) -> None:
        response = self.http.post(f"{self.server.url}api/images/{self.image_id}/events", headers=self.headers,
                                  json={"session_id": self.session_id, "sent_t": self.t, "events": events})
        assert response.status_code == 201, response.text

    def draw(self, client_id: str, search: float, gaps: list[float], category: int,
             points: list[list[float]] | None = None) -> dict[str, Any]:
        """Search, then one vertex per gap (the first gap is 0: draw-start and first vertex are one click),
        then close after the last gap; `points` are the vertices' positions (a square by default)."""
        corners = points or [[100, 100], [300, 100], [300, 250], [100, 250]]
        events = [self.event(search, "draw-start", client_id, category=category)]
        for index, gap in enumerate(gaps[:-1]):
            events.append(self.event(gap, "vertex", client_id, point=corners[index % len(corners)],
                                     provenance="click", index=index))
        events.append(self.event(gaps[-1], "close", client_id, vertices=len(gaps) - 1, method="enter"))
        flat = [value for point in corners[:max(3, len(gaps) - 1)] for value in point]
        response = self.http.post(f"{self.server.url}api/images/{self.image_id}/annotations", headers=self.headers,
                                  json={"client_id": client_id, "category_id": category,
                                        "parts": [{"points": flat}] if points else SCRIPT_SQUARE,
                                        "session_id": self.session_id, "sent_t": self.t, "events": events})
        assert response.status_code == 201, response.text
        return response.json()["annotation"]
