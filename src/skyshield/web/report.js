/* skyshield run report: wires the embedded replay data to the Replay widget and controls. */
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("replay-data").textContent);
  const $ = (id) => document.getElementById(id);
  const canvas = $("map");
  const tl = new PackedTimeline(data.timeline);
  const D = Replay.decodeTyped;
  const ev = {t: D(data.events.ev_t), xy: D(data.events.ev_xy), kind: D(data.events.ev_kind),
    who: D(data.events.ev_who), q: data.events.q};
  const replay = new Replay(canvas, {
    scene: data.scene, palette: data.palette, meta: data.meta, tooltip: $("tooltip"),
    speed: 120,
    onFirstFrame: () => { window.__replayReady = true; window.__replayReadyAt = performance.now(); },
  });
  replay.setTimeline(tl);
  replay.setEvents(ev);
  replay.setTime(tl.t0);
  window.replay = replay;

  const epoch = Date.parse(data.meta.epoch);
  const slider = $("slider"), play = $("play"), speed = $("speed");
  slider.min = tl.t0; slider.max = tl.tEnd; slider.step = tl.dt / 10; slider.value = tl.t0;
  let sliding = false;
  slider.addEventListener("input", () => { sliding = true; replay.setTime(+slider.value); });
  slider.addEventListener("change", () => { sliding = false; });
  play.addEventListener("click", () => replay.toggle());
  speed.addEventListener("change", () => replay.setSpeed(+speed.value));
  $("reset").addEventListener("click", () => replay.resetView());
  document.querySelectorAll("input[data-layer]").forEach((cb) =>
    cb.addEventListener("change", () => replay.setLayer(cb.dataset.layer, cb.checked)));
  document.addEventListener("keydown", (e) => {
    if (e.code === "Space" && e.target === document.body) { e.preventDefault(); replay.toggle(); }
  });

  const cum = (kind) => { let n = 0; for (let i = 0; i < ev.t.length && ev.t[i] <= replay.time; i++) if (ev.kind[i] === kind) n++; return n; };
  function hud() {
    const t = replay.time;
    const utc = new Date(epoch + t * 1000).toISOString().slice(11, 19);
    $("clock").textContent = "T+" + Replay.fmtClock(t);
    $("utc").textContent = utc + " UTC · " + new Date(epoch + t * 1000).toISOString().slice(0, 10);
    $("time").textContent = "T+" + Replay.fmtClock(t) + " / " + Replay.fmtClock(tl.tEnd);
    play.textContent = replay.playing ? "❚❚ Pause" : "▶ Play";
    if (!sliding) slider.value = t;
    const air = replay.airborne;
    const rows = data.meta.classLabels.map((l, i) => [l, air[i] || 0, data.palette.classList[i]])
      .filter((r) => r[1] > 0);
    $("hud-rows").innerHTML =
      rows.map(([l, n, c]) => `<tr><td><span class="sw" style="background:${c}"></span>${l} airborne</td><td class="n">${n}</td></tr>`).join("") +
      `<tr><td>Coalition aircraft airborne</td><td class="n">${replay._aircraftAirborne || 0}</td></tr>` +
      `<tr><td>Destroyed by coalition</td><td class="n">${cum(0)}</td></tr>` +
      `<tr><td>Destroyed by Ukraine</td><td class="n">${cum(1)}</td></tr>` +
      `<tr><td>Reached target</td><td class="n">${cum(2)}</td></tr>` +
      `<tr><td>Entered NATO airspace</td><td class="n">${cum(3)}</td></tr>`;
  }
  replay.onChange(() => { hud(); });
  setInterval(hud, 250);
  hud();
})();
