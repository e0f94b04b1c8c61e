/* skyshield live page: sign in, the shared picture on the report's map renderer, this
 * nation's approval queue with countdowns, approve/deny, a timeline, and the audit check.
 *
 * Messages arrive numbered over /ws/live; a gap or a reconnect resumes from the last
 * number (REST backfill /api/messages), or reloads /api/state when the server no longer
 * holds the missed ones. Times are the server's exercise clock (scenario seconds).
 */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) =>
    ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  const KIND_THREAT = 0, KIND_AIRCRAFT = 1;
  const AIRBORNE_STATES = [3, 4, 5, 6];
  const STATE_NAMES = ["Ready", "Alert", "Scramble", "Transit to station", "On patrol station",
    "Intercepting", "Returning to base", "Turnaround"];

  const S = window.__live = {
    token: sessionStorage.getItem("skyshield.token"), me: null, seq: 0, engagements: new Map(),
    assessment: new Map(), tracks: null, clock: {t: 0, rate: 1, at: performance.now()},
    ws: null, replay: null, tl: null, scene: null, timeline: [], auditStatus: null,
    pictures: 0, reconnects: 0,
  };

  async function api(path, opts) {
    const o = Object.assign({headers: {}}, opts || {});
    if (S.token) o.headers.Authorization = "Bearer " + S.token;
    if (o.json !== undefined) { o.body = JSON.stringify(o.json); o.headers["Content-Type"] = "application/json"; }
    const r = await fetch(path, o);
    const body = (r.headers.get("content-type") || "").includes("json") ? await r.json() : await r.text();
    if (r.status === 401) { signOut(body.detail || "signed out"); throw new Error(body.detail); }
    if (!r.ok) throw new Error((body && body.detail) || ("HTTP " + r.status));
    return body;
  }

  /* ------------------------------------------------------------------ sign in */
  $("signin-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    $("signin-error").textContent = "";
    try {
      const r = await api("/api/login", {method: "POST", json: {name: $("user").value, password: $("password").value}});
      S.token = r.token; sessionStorage.setItem("skyshield.token", r.token);
      start();
    } catch (err) { $("signin-error").textContent = err.message; }
  });
  function signOut(why) {
    S.token = null; sessionStorage.removeItem("skyshield.token");
    if (S.ws) { S.ws.onclose = null; S.ws.close(); }
    $("app").hidden = true; $("signin").hidden = false;
    if (why) $("signin-error").textContent = why;
  }
  $("signout").addEventListener("click", () => signOut(""));

  /* ------------------------------------------------------------------ start */
  async function start() {
    S.me = await api("/api/me");
    $("signin").hidden = true; $("app").hidden = false;
    const role = {operator: "operator", coordinator: "coalition coordinator", observer: "observer"}[S.me.role] || S.me.role;
    $("whoami").textContent = `${S.me.name} · ${role}${S.me.nation ? " · " + S.me.nation : ""}`;
    $("queue-nation").textContent = S.me.nation || "a nation's";
    if (!S.replay) {
      const sc = await api("/api/scene");
      S.scene = sc;
      S.replay = new Replay($("map"), {
        scene: sc.scene, palette: sc.palette, tooltip: $("tooltip"), trail: 6,
        meta: {classLabels: sc.meta.classLabels, nations: sc.meta.nations,
          stateNames: [["Track"], STATE_NAMES, []], visibleStates: [null, AIRBORNE_STATES, null]},
      });
      S.replay.describe = describe;
      S.replay.layers.events = false;
      document.querySelectorAll("input[data-layer]").forEach((cb) =>
        cb.addEventListener("change", () => S.replay.setLayer(cb.dataset.layer, cb.checked)));
      $("reset").addEventListener("click", () => S.replay.resetView());
      $("title").textContent = sc.meta.scenario || "live exercise";
    }
    await loadState();
    connect();
    checkAudit();
    setInterval(tick, 250);
    setInterval(syncClock, 5000);
  }

  async function loadState() {
    const st = await api("/api/state");
    S.seq = st.seq;
    setClock(st.clock);
    S.engagements.clear();
    $("timeline").innerHTML = "";
    S.timeline = [];
    for (const e of (st.engagements || []).slice().sort((a, b) => a.id - b.id))
      onEngagement("proposal", e); // the timeline so far, rebuilt from the engagements
    S.tl = new LiveTimeline(Math.max(1, st.clock.rate), 120);
    onPicture(st.picture);
    renderQueue();
  }

  async function syncClock() { try { setClock(await api("/api/clock")); } catch (e) { /* shown by link */ } }
  function setClock(c) { S.clock = {t: c.t, rate: c.rate, at: performance.now()}; }
  const now = () => S.clock.t + S.clock.rate * (performance.now() - S.clock.at) / 1000;

  /* ------------------------------------------------------------------ the push link */
  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = S.ws = new WebSocket(`${proto}//${location.host}/ws/live?token=${encodeURIComponent(S.token)}&after=${S.seq}`);
    ws.onopen = () => { $("link").textContent = "live"; $("link").className = ""; };
    ws.onmessage = (ev) => handle(JSON.parse(ev.data));
    ws.onclose = () => {
      $("link").textContent = "reconnecting…"; $("link").className = "down";
      if (!S.token) return;
      S.reconnects++;
      setTimeout(() => { connect(); checkAudit(); }, 1000);
    };
  }

  async function handle(m) {
    if (m.type === "resync") { await loadState(); return; }
    if (m.seq <= S.seq) return; // already seen (backfill overlap)
    if (S.seq && m.seq > S.seq + 1) { // a gap: fetch what was missed first
      const back = await api(`/api/messages?after=${S.seq}`);
      if (!back.complete) { await loadState(); return; }
      for (const x of back.messages) if (x.seq > S.seq && x.seq < m.seq) apply(x);
    }
    apply(m);
  }

  function apply(m) {
    S.seq = Math.max(S.seq, m.seq);
    $("seq").textContent = S.seq;
    if (m.type === "picture") onPicture(m);
    else if (m.type === "proposal" || m.type === "decision") onEngagement(m.type, m.engagement);
    else if (m.type === "order") addTimeline(m.t, "order", m.text);
    else if (m.type === "clock") setClock(m);
    else if (m.type === "event") addTimeline(m.t, "event", m.text);
  }

  /* ------------------------------------------------------------------ picture */
  function onPicture(p) {
    if (!p) return;
    S.pictures++;
    const tr = p.tracks, ac = p.aircraft;
    if (p.t > S.clock.t) setClock({t: p.t, rate: S.clock.rate});
    S.tracks = tr;
    S.assessment.clear();
    const a = p.assessment;
    if (a) a.number.forEach((n, i) => S.assessment.set(n, {p: a.p_nato[i], country: a.country[i],
      next: a.next_country[i], tnext: a.t_next_country_s[i], to: a.heading_for[i], value: a.value[i]}));
    const nat = S.scene.meta.nations;
    const fr = {t: p.t, kind: [], id: [], cat: [], x: [], y: [], alt: [], state: []};
    for (let i = 0; i < tr.number.length; i++) {
      fr.kind.push(KIND_THREAT); fr.id.push(tr.number[i]); fr.cat.push(tr.cls[i]);
      fr.x.push(tr.x_km[i]); fr.y.push(tr.y_km[i]); fr.alt.push(tr.alt[i]); fr.state.push(0);
    }
    if (ac) for (let i = 0; i < ac.id.length; i++) {
      fr.kind.push(KIND_AIRCRAFT); fr.id.push(ac.id[i]); fr.cat.push(Math.max(0, nat.indexOf(ac.nation[i])));
      fr.x.push(ac.x_km[i]); fr.y.push(ac.y_km[i]); fr.alt.push(ac.alt[i]); fr.state.push(ac.state[i]);
    }
    S.aircraft = ac;
    S.tl.push(fr);
    S.replay.setTimeline(S.tl);
    S.replay.setTime(S.tl.tEnd);
    renderThreats();
    if (!window.__liveReady) window.__liveReady = true;
  }

  function describe(o) {
    const tl = S.tl, kind = tl.kind[o], id = tl.id[o];
    const rows = [];
    let title;
    if (kind === KIND_AIRCRAFT) {
      const i = S.aircraft ? S.aircraft.id.indexOf(id) : -1;
      const nation = i >= 0 ? S.aircraft.nation[i] : "";
      title = `${esc(nation)} aircraft #${id}` + (i >= 0 ? ` <span class="muted">${esc(S.aircraft.label[i])}</span>` : "");
      if (i >= 0) rows.push(["doing", STATE_NAMES[S.aircraft.state[i]].toLowerCase()]);
    } else {
      const a = S.assessment.get(id);
      const i = S.tracks.number.indexOf(id);
      title = `Track ${id}`;
      rows.push(["class", S.scene.meta.classLabels[tl.cat[o]] || "unknown"]);
      if (i >= 0) rows.push(["speed", Math.round(Math.hypot(S.tracks.vx[i], S.tracks.vy[i]) * 3.6) + " km/h"],
        ["altitude", Math.round(S.tracks.alt[i]) + " m"]);
      if (a) {
        if (a.to) rows.push(["heading for", esc(a.to)]);
        if (a.next) rows.push(["next country", `${esc(a.next)} in ${fmtMin(a.tnext)}`]);
        rows.push(["p(NATO airspace)", a.p.toFixed(2)], ["value", a.value.toFixed(1)]);
      }
    }
    return `<div class="tt-title">${title}</div><table>` +
      rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join("") + "</table>";
  }

  const fmtMin = (s) => (s === null || s === undefined) ? "–" : (s / 60).toFixed(1) + " min";

  function renderThreats() {
    const tr = S.tracks;
    if (!tr) return;
    const rows = tr.number.map((n, i) => [n, i, S.assessment.get(n)])
      .sort((p, q) => ((q[2] && q[2].value) || 0) - ((p[2] && p[2].value) || 0)).slice(0, 15);
    $("threats").tBodies[0].innerHTML = rows.map(([n, i, a]) =>
      `<tr><td>${n}</td><td>${esc(S.scene.meta.classLabels[tr.cls[i]] || "")}</td>` +
      `<td>${esc((a && a.country) || "")}</td><td>${esc((a && a.to) || "–")}</td>` +
      `<td>${esc((a && a.next) || "–")}</td><td>${a ? fmtMin(a.tnext) : "–"}</td>` +
      `<td>${a ? a.p.toFixed(2) : "–"}</td><td>${a ? a.value.toFixed(1) : "–"}</td></tr>`).join("");
  }

  /* ------------------------------------------------------------------ engagements */
  function onEngagement(type, e) {
    const before = S.engagements.get(e.id);
    S.engagements.set(e.id, e);
    if (type === "proposal" && !before) addTimeline(e.t_asked, "proposal",
      `${e.nation} aircraft #${e.aircraft} proposed on track ${e.track} (${e.weapon})`);
    if (e.state !== "pending" && (!before || before.state !== e.state)) {
      // withdrawn: the decision core ended the engagement before any verdict (it leaves
      // the queue: nothing to decide any more)
      const who = e.decided_by ? ` by ${e.decided_by}` : (e.why ? `: ${e.why}` : "");
      addTimeline(e.t_decided, e.state, `${e.nation} engagement ${e.id} (track ${e.track}) ${e.state}${who}`);
    }
    renderQueue();
  }

  const mine = (e) => S.me && S.me.role === "operator" && S.me.nation === e.nation;

  function card(e, actionable) {
    const x = e.explanation || {};
    const lines = (x.track || []).map((l) => `<li>${esc(l)}</li>`).join("");
    const colour = (S.scene.palette.nations || {})[e.nation] || "#888";
    const status = e.state === "pending" ? `<span class="count" id="count-${e.id}"></span>`
      : `<span class="state">${esc(e.state)}${e.decided_by ? " by " + esc(e.decided_by) : ""}</span>`;
    const why = e.state === "withdrawn" && e.why ? `<div class="why">${esc(e.why)}</div>` : "";
    const buttons = actionable ? `<div class="buttons"><button id="approve-${e.id}" data-id="${e.id}" data-verdict="approve">Approve</button>` +
      `<button class="deny" id="deny-${e.id}" data-id="${e.id}" data-verdict="deny">Deny</button></div>` : "";
    return `<div class="eng" id="eng-${e.id}" data-state="${esc(e.state)}" style="--c:${colour}">` +
      `<div class="head"><span>${esc(e.nation)} #${e.aircraft} → track ${e.track}</span>${status}</div>` +
      `<div>${esc(x.aircraft || "")} · ${esc(e.weapon)}</div>${why}` +
      `<div class="rule">${esc(x.rule || "")}</div><ul>${lines}</ul>${buttons}</div>`;
  }

  function renderQueue() {
    const all = Array.from(S.engagements.values()).sort((a, b) => b.id - a.id);
    const queue = all.filter((e) => e.state === "pending" && mine(e));
    const others = all.filter((e) => !(e.state === "pending" && mine(e))).slice(0, 30);
    $("queue").innerHTML = queue.length ? queue.map((e) => card(e, true)).join("") : '<p class="sub">Nothing waiting.</p>';
    $("others").innerHTML = others.length ? others.map((e) => card(e, false)).join("") : '<p class="sub">None.</p>';
    tick();
  }

  $("queue").addEventListener("click", async (ev) => {
    const b = ev.target.closest("button[data-id]");
    if (!b) return;
    const id = +b.dataset.id;
    document.querySelectorAll(`#eng-${id} button`).forEach((x) => { x.disabled = true; });
    try {
      const r = await api(`/api/engagements/${id}/${b.dataset.verdict}`, {method: "POST", json: {note: ""}});
      onEngagement("decision", r.engagement);
      checkAudit();
    } catch (err) {
      addTimeline(now(), "error", `engagement ${id}: ${err.message}`);
      document.querySelectorAll(`#eng-${id} button`).forEach((x) => { x.disabled = false; });
    }
  });

  function addTimeline(t, kind, text) {
    S.timeline.push({t: t, kind: kind, text: text});
    const li = document.createElement("li");
    li.className = kind;
    li.innerHTML = `<span class="t">T+${Replay.fmtClock(t || 0)}</span><span class="what">${esc(text)}</span>`;
    $("timeline").prepend(li);
    while ($("timeline").children.length > 200) $("timeline").lastChild.remove();
  }

  /* ------------------------------------------------------------------ clock, HUD, audit */
  function tick() {
    const t = now();
    $("clock").textContent = "T+" + Replay.fmtClock(t);
    for (const e of S.engagements.values()) {
      if (e.state !== "pending") continue;
      const el = $("count-" + e.id);
      if (!el) continue;
      const left = e.deadline - t;
      el.textContent = left > 0 ? `${Math.ceil(left)} s left` : "expiring";
      el.className = "count" + (left < 30 ? " late" : "");
    }
    const pend = Array.from(S.engagements.values()).filter((e) => e.state === "pending");
    const ac = S.aircraft ? S.aircraft.state.filter((s) => AIRBORNE_STATES.includes(s)).length : 0;
    $("hud-rows").innerHTML =
      `<tr><td>Tracks</td><td class="n">${S.tracks ? S.tracks.number.length : 0}</td></tr>` +
      `<tr><td>Coalition aircraft airborne</td><td class="n">${ac}</td></tr>` +
      `<tr><td>Waiting for approval</td><td class="n">${pend.length}</td></tr>` +
      `<tr><td>… of them yours</td><td class="n">${pend.filter(mine).length}</td></tr>`;
  }

  async function checkAudit() {
    const el = $("audit");
    try {
      const r = await SkyAudit.checkLog(api, (S.me && S.me.nation) || (S.me && S.me.role) || "?");
      S.auditStatus = {ok: true, size: r.size, how: r.how};
      el.textContent = `verified, ${r.size} entries (${r.how})`; el.className = "ok";
    } catch (err) {
      S.auditStatus = {ok: false, error: err.message};
      el.textContent = "FAILED: " + err.message; el.className = "bad";
    }
  }

  if (S.token) start().catch(() => signOut(""));
})();
