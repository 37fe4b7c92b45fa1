// The editor (navar serve --edit only): correct a track's segments on the player page and save
// them as a new version of the human track. Text goes into the page with textContent and
// .value only, never as markup. Every save carries the CSRF token and the version it was based
// on; a stale save is refused by the server and the person's text stays on the page.
//
// Keys while typing in a segment (the habits of oTranscribe and Express Scribe, chosen not to
// clash with the browser's own text editing):
//   Esc or Ctrl+Space  play / pause          F7 / F8  back / forward 3 s
//   Shift+Space or Ctrl+Shift+2  ZWNJ (نیم‌فاصله), as Persian keyboards do
//   Ctrl+Enter  split the segment at the cursor      Ctrl+S  save
// The segment being edited is shaded on the waveform; drag its edges (or focus one: ←/→).
// In a Persian segment, Latin and Arabic-Indic digits typed become Persian digits, and Arabic
// ي ك become Persian ی ک.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("editor-data").textContent);
  const rec = JSON.parse(document.getElementById("recording-data").textContent);
  const ui = JSON.parse(document.getElementById("ui-strings").textContent);
  const audio = document.getElementById("audio");
  const JUMP_S = 3;
  const NUDGE_S = 0.1;
  const ZWNJ = "\u200c";
  const MARKS = ["[inaudible]", "[crosstalk]"];
  const PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹";

  const state = { trackId: null, base: null, rows: [], speakers: [], saving: false };
  state.prepared = new Map(); // "digest:ids" -> asked | ready | failed
  window.navarEditor = state; // for tests and the curious

  const { el, tr, digits } = window.navarUI; // player.js

  // Seconds to a tenth, the step of a nudge: 83.45 -> 1:23.5
  function stamp(t) {
    if (t === null || t === undefined) return "–";
    const tenths = Math.round(t * 10);
    const m = Math.floor(tenths / 600);
    const s = ((tenths % 600) / 10).toFixed(1).padStart(4, "0");
    return digits(`${m}:${s}`);
  }

  function button(label, cls, onClick, aria) {
    const b = el("button", { type: "button", class: cls, "aria-label": aria || null }, label);
    b.addEventListener("click", onClick);
    return b;
  }

  // --- the panel --------------------------------------------------------------------------------

  const panel = el("section", { id: "editor", class: "editor", "aria-labelledby": "editor-heading" });
  panel.appendChild(el("h2", { id: "editor-heading" }, tr("edit_heading")));
  const who = el("p", { class: "edit-who" }, tr("edit_signed_in") + " ");
  who.appendChild(el("bdi", {}, data.editor));
  panel.appendChild(who);
  const pick = el("label", {}, tr("edit_track") + " ");
  const trackSelect = el("select", { id: "edit-track" });
  pick.appendChild(trackSelect);
  panel.appendChild(pick);
  panel.appendChild(el("p", { class: "keys", id: "edit-keys" }, tr("edit_keys")));
  const speakerList = el("datalist", { id: "edit-speakers" });
  panel.appendChild(speakerList);
  const rowsEl = el("ol", { id: "edit-rows", class: "edit-rows" });
  const actions = el("div", { class: "edit-actions" });
  const saveBtn = button(tr("edit_save"), "edit-save", () => save());
  saveBtn.id = "edit-save";
  actions.appendChild(saveBtn);
  panel.appendChild(actions);
  const statusEl = el("p", { id: "edit-status", class: "status", role: "status" });
  const alertEl = el("p", { id: "edit-alert", class: "edit-alert", role: "alert" });
  panel.appendChild(statusEl);
  panel.appendChild(alertEl);
  const yours = el("section", { id: "edit-yours", class: "edit-yours", hidden: "" });
  yours.appendChild(el("h3", {}, tr("edit_yours")));
  const yoursText = el("textarea", { readonly: "", rows: "6", dir: "auto", "aria-label": tr("edit_yours") });
  yours.appendChild(yoursText);
  const reopen = button(tr("edit_open_newest"), "edit-reopen", () => loadTrack(state.trackId));
  yours.appendChild(reopen);
  panel.appendChild(yours);

  // What changed between two versions.
  const diffBox = el("section", { id: "edit-diff", class: "edit-diff", "aria-labelledby": "diff-heading" });
  diffBox.appendChild(el("h3", { id: "diff-heading" }, tr("diff_heading")));
  const fromSel = el("select", { id: "diff-from" });
  const toSel = el("select", { id: "diff-to" });
  const fromLabel = el("label", {}, tr("diff_from") + " ");
  fromLabel.appendChild(fromSel);
  const toLabel = el("label", {}, tr("diff_to") + " ");
  toLabel.appendChild(toSel);
  diffBox.appendChild(fromLabel);
  diffBox.appendChild(toLabel);
  diffBox.appendChild(button(tr("diff_show"), "diff-show", () => showDiff()));
  const diffOut = el("div", { id: "diff-out", class: "diff-out" });
  diffBox.appendChild(diffOut);
  panel.appendChild(diffBox);
  panel.appendChild(rowsEl); // below the save button and the versions: the long part

  const transcriptEl = document.getElementById("transcript");
  transcriptEl.parentNode.insertBefore(panel, transcriptEl);

  // --- tracks -----------------------------------------------------------------------------------

  function humanOf(t) {
    return t.kind === "asr" || t.kind === "reference"
      ? `${t.language}.reference`
      : `${t.language}.reference-translation`;
  }

  function fillTracks(tracks) {
    trackSelect.textContent = "";
    for (const t of tracks) trackSelect.appendChild(el("option", { value: t.id }, t.id));
  }

  function firstChoice(tracks) {
    const ids = tracks.map((t) => t.id);
    const own = tracks.filter((t) => t.language === rec.language);
    const human = own.find((t) => t.kind === "reference");
    if (human) return human.id;
    const asr = own.find((t) => t.kind === "asr");
    if (asr) return ids.includes(humanOf(asr)) ? humanOf(asr) : asr.id;
    return ids[0] || null;
  }

  async function loadTrack(id) {
    if (!id) return;
    alertEl.textContent = "";
    yours.hidden = true;
    const res = await fetch(`/api/edit/recordings/${rec.id}/tracks/${encodeURIComponent(id)}/base`);
    const out = await res.json().catch(() => ({ error: `HTTP ${res.status}` }));
    if (!res.ok) {
      alertEl.textContent = out.error || `HTTP ${res.status}`;
      return;
    }
    // A machine track with a human version already: that version is the one to correct.
    if (out.target !== id && out.target_digest) return loadTrack(out.target);
    show(out);
    trackSelect.value = id;
    loadVersions();
  }

  function show(base) {
    state.base = base;
    state.trackId = base.track.id;
    state.speakers = base.speakers || [];
    speakerList.textContent = "";
    for (const s of state.speakers) speakerList.appendChild(el("option", { value: s.name }));
    const names = new Map(state.speakers.map((s) => [s.id, s.name]));
    state.rows = base.track.segments.map((s) => ({
      ids: [s.id],
      text: s.text,
      speaker: s.speaker ? names.get(s.speaker) || s.speaker : "",
      start: s.start,
      end: s.end,
      moved: false,
      words: s.words || [],
      flags: s.flags || [],
    }));
    state.rtl = ["fa", "ar", "ur", "ps", "he"].includes(base.track.language);
    state.lang = base.track.language;
    render();
  }

  // --- rows -------------------------------------------------------------------------------------

  function render() {
    rowsEl.textContent = "";
    state.rows.forEach((row, i) => rowsEl.appendChild(renderRow(row, i)));
    if (state.active && !state.rows.includes(state.active)) {
      state.active = null;
      span.hidden = true;
    }
  }

  function renderRow(row, i) {
    const li = el("li", { class: "edit-row", "data-id": row.ids[0] || "" });
    const meta = el("div", { class: "edit-meta" });
    meta.appendChild(el("code", { class: "edit-id", dir: "ltr" }, row.ids.join("+") || tr("edit_new_part")));
    const time = el("span", { class: "edit-time", dir: "ltr" }, `${stamp(row.start)}–${stamp(row.end)}`);
    row.showTime = () => (time.textContent = `${stamp(row.start)}–${stamp(row.end)}`);
    meta.appendChild(time);
    li.addEventListener("focusin", () => showEdges(row));
    const timed = row.start !== null && row.end !== null;
    const play = button("▶", "edit-play", () => playRow(row), tr("edit_play_segment"));
    play.disabled = !timed;
    meta.appendChild(play);
    for (const [edge, step, key] of [
      ["start", -NUDGE_S, "edit_start_earlier"],
      ["start", NUDGE_S, "edit_start_later"],
      ["end", -NUDGE_S, "edit_end_earlier"],
      ["end", NUDGE_S, "edit_end_later"],
    ]) {
      const b = button(tr(key), `nudge nudge-${edge}${step < 0 ? "-earlier" : "-later"}`, () => {
        nudge(row, edge, step);
        row.showTime();
        showEdges(row);
      });
      b.disabled = !timed;
      meta.appendChild(b);
    }

    const speakerLabel = el("label", { class: "edit-speaker-label" }, tr("edit_speaker") + " ");
    const speaker = el("input", {
      class: "edit-speaker",
      list: "edit-speakers",
      dir: "auto",
      maxlength: "80",
      autocomplete: "off",
    });
    speaker.value = row.speaker;
    speaker.addEventListener("input", () => (row.speaker = speaker.value));
    speakerLabel.appendChild(speaker);
    meta.appendChild(speakerLabel);
    li.appendChild(meta);

    const text = el("textarea", {
      class: "edit-text",
      rows: "2",
      dir: state.rtl ? "rtl" : "ltr",
      lang: state.lang,
      "aria-label": tr("edit_segment_text", { id: row.ids.join("+") || tr("edit_new_part") }),
    });
    text.value = row.text;
    text.addEventListener("input", () => {
      if (state.rtl) persianise(text);
      row.text = text.value;
      prepare(row);
    });
    text.addEventListener("keydown", (ev) => typingKey(ev, row, text));
    li.appendChild(text);

    const tools = el("div", { class: "edit-tools" });
    tools.appendChild(button(tr("edit_split"), "edit-split", () => split(row, text.selectionStart)));
    const merge = button(tr("edit_merge"), "edit-merge", () => mergeNext(row));
    merge.disabled = i === state.rows.length - 1;
    tools.appendChild(merge);
    for (const mark of MARKS) {
      tools.appendChild(
        button(tr("edit_mark", { mark }), "edit-mark", () => insertAt(text, mark, true), null)
      );
    }
    li.appendChild(tools);

    if (row.words.length) {
      const details = el("details", { class: "edit-words" });
      details.appendChild(el("summary", {}, tr("edit_word_times")));
      const list = el("ol", { dir: state.rtl ? "rtl" : "ltr" });
      for (const w of row.words) {
        const item = el("li", { class: "edit-word" });
        item.appendChild(el("bdi", { class: "word", lang: state.lang }, w.text.trim()));
        item.appendChild(document.createTextNode(" "));
        item.appendChild(el("bdi", { class: "word-time", dir: "ltr" }, `${stamp(w.start)}–${stamp(w.end)}`));
        item.dataset.start = w.start;
        item.dataset.end = w.end;
        list.appendChild(item);
      }
      details.appendChild(list);
      li.appendChild(details);
    }
    return li;
  }

  // While the person types, the server encodes the segment's audio window, so the save only
  // has to align the words (once per segment and version; nothing is written).
  function groupIds(row) {
    let h = state.rows.indexOf(row);
    while (h > 0 && !state.rows[h].ids.length) h--;
    return h >= 0 ? state.rows[h].ids : [];
  }

  function prepare(row) {
    const ids = groupIds(row);
    const key = `${state.base.digest}:${ids.join("+")}`;
    const translation = ["mt", "reference-translation"].includes(state.base.track.kind);
    if (!ids.length || translation || state.prepared.has(key)) return;
    state.prepared.set(key, "asked");
    fetch(`/api/edit/recordings/${rec.id}/tracks/${encodeURIComponent(state.trackId)}/prepare`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": data.csrf },
      body: JSON.stringify({ ids }),
    })
      .then((r) => state.prepared.set(key, r.ok ? "ready" : "failed"))
      .catch(() => state.prepared.set(key, "failed"));
  }

  function persianise(text) {
    const before = text.value;
    const after = before
      .replace(/[0-9]/g, (d) => PERSIAN_DIGITS[d])
      .replace(/[٠-٩]/g, (d) => PERSIAN_DIGITS[d.charCodeAt(0) - 0x660])
      .replace(/ي/g, "ی")
      .replace(/ك/g, "ک");
    if (after !== before) {
      const [a, b] = [text.selectionStart, text.selectionEnd]; // one character for one: same place
      text.value = after;
      text.setSelectionRange(a, b);
    }
  }

  function insertAt(text, what, spaced) {
    const a = text.selectionStart;
    const b = text.selectionEnd;
    let piece = what;
    if (spaced) {
      if (a > 0 && !/\s/.test(text.value[a - 1])) piece = " " + piece;
      if (b < text.value.length && !/\s/.test(text.value[b])) piece += " ";
    }
    text.setRangeText(piece, a, b, "end");
    text.dispatchEvent(new Event("input"));
    text.focus();
  }

  function typingKey(ev, row, text) {
    const key = ev.key;
    let handled = true;
    if (key === "Escape" || (ev.ctrlKey && key === " " && !ev.shiftKey)) playPause();
    else if (key === "F7") seekBy(-JUMP_S);
    else if (key === "F8") seekBy(JUMP_S);
    else if ((ev.shiftKey && key === " " && !ev.ctrlKey) || (ev.ctrlKey && ev.shiftKey && ev.code === "Digit2"))
      insertAt(text, ZWNJ, false);
    else if (ev.ctrlKey && key === "Enter") split(row, text.selectionStart);
    else if (ev.ctrlKey && (key === "s" || key === "S")) save();
    else handled = false;
    if (handled) ev.preventDefault();
  }

  function playPause() {
    if (audio.paused) audio.play().catch(() => {});
    else audio.pause();
  }

  function seekBy(step) {
    audio.currentTime = Math.max(0, Math.min(audio.duration || Infinity, audio.currentTime + step));
  }

  let stopAt = null;
  function playRow(row) {
    audio.currentTime = row.start;
    stopAt = row.end;
    audio.play().catch(() => {});
  }
  audio.addEventListener("timeupdate", () => {
    if (stopAt !== null && audio.currentTime >= stopAt) {
      audio.pause();
      stopAt = null;
    }
  });
  audio.addEventListener("pause", () => (stopAt = null));

  function nudge(row, edge, step) {
    const duration = rec.duration || Infinity;
    const value = Math.round((row[edge] + step) * 1000) / 1000;
    if (edge === "start" && (value < 0 || value > row.end - NUDGE_S)) return;
    if (edge === "end" && (value > duration || value < row.start + NUDGE_S)) return;
    row[edge] = value;
    row.moved = true;
    statusEl.textContent = tr("edit_unsaved");
  }

  function split(row, at) {
    const i = state.rows.indexOf(row);
    const before = row.text.slice(0, at).trim();
    const after = row.text.slice(at).trim();
    if (!before || !after) {
      statusEl.textContent = tr("edit_split_where");
      return;
    }
    row.text = before;
    row.words = [];
    const part = { ids: [], text: after, speaker: row.speaker, start: null, end: null,
                   moved: false, words: [], flags: [] }; // prettier-ignore
    state.rows.splice(i + 1, 0, part);
    prepare(row);
    render();
    rowsEl.children[i + 1].querySelector("textarea").focus();
    statusEl.textContent = tr("edit_unsaved");
  }

  function mergeNext(row) {
    const i = state.rows.indexOf(row);
    const next = state.rows[i + 1];
    if (!next) return;
    // The segments the joined text comes from belong to the first row of its group.
    let h = i;
    while (h > 0 && !state.rows[h].ids.length) h--;
    const head = state.rows[h];
    head.ids = [...new Set([...head.ids, ...next.ids])];
    row.text = `${row.text} ${next.text}`.trim();
    row.words = [];
    if (row.moved || next.moved) {
      row.start = Math.min(row.start, next.start);
      row.end = Math.max(row.end, next.end);
      row.moved = true;
    } else if (next.end !== null) {
      row.end = next.end;
    }
    state.rows.splice(i + 1, 1);
    prepare(row);
    render();
    statusEl.textContent = tr("edit_unsaved");
  }

  // --- the segment's edges on the waveform ----------------------------------------------------
  // The segment being edited is shaded on the waveform between two handles: drag one, or focus
  // it and use ←/→ (0.1 s), to move that edge. The shade lets clicks through to the waveform.

  const canvas = document.getElementById("waveform");
  const span = el("div", { id: "edit-span", class: "edit-span", hidden: "" });
  const handles = {};
  for (const edge of ["start", "end"]) {
    const h = el("div", { class: `edge edge-${edge}`, role: "slider", tabindex: "0" });
    span.appendChild(h);
    handles[edge] = h;
    h.addEventListener("pointerdown", (ev) => {
      ev.preventDefault();
      h.setPointerCapture(ev.pointerId);
      h.dataset.dragging = "1";
    });
    h.addEventListener("pointermove", (ev) => {
      if (h.dataset.dragging !== "1" || !state.active) return;
      const box = canvas.getBoundingClientRect();
      const t = ((ev.clientX - box.left) / box.width) * duration();
      moveEdge(state.active, edge, Math.round(t * 100) / 100);
    });
    const stop = () => delete h.dataset.dragging;
    h.addEventListener("pointerup", stop);
    h.addEventListener("pointercancel", stop);
    h.addEventListener("keydown", (ev) => {
      const step = { ArrowLeft: -NUDGE_S, ArrowRight: NUDGE_S }[ev.key];
      if (!step || !state.active) return;
      ev.preventDefault();
      nudge(state.active, edge, step);
      state.active.showTime();
      showEdges(state.active);
    });
  }
  canvas.insertAdjacentElement("afterend", span);
  window.addEventListener("resize", () => state.active && showEdges(state.active));

  function duration() {
    return audio.duration && isFinite(audio.duration) ? audio.duration : rec.duration || 1;
  }

  function moveEdge(row, edge, t) {
    const low = edge === "start" ? 0 : row.start + NUDGE_S;
    const high = edge === "start" ? row.end - NUDGE_S : duration();
    row[edge] = Math.min(high, Math.max(low, t));
    row.moved = true;
    statusEl.textContent = tr("edit_unsaved");
    row.showTime();
    showEdges(row);
  }

  function showEdges(row) {
    state.active = row;
    if (row.start === null || row.end === null) {
      span.hidden = true;
      return;
    }
    const dur = duration();
    const w = canvas.offsetWidth;
    span.hidden = false;
    span.style.top = `${canvas.offsetTop}px`;
    span.style.height = `${canvas.offsetHeight}px`;
    span.style.left = `${canvas.offsetLeft + (row.start / dur) * w}px`;
    span.style.width = `${Math.max(2, ((row.end - row.start) / dur) * w)}px`;
    const id = row.ids.join("+") || tr("edit_new_part");
    for (const edge of ["start", "end"]) {
      const h = handles[edge];
      h.setAttribute("aria-label", tr(edge === "start" ? "edit_edge_start" : "edit_edge_end", { id }));
      h.setAttribute("aria-valuemin", "0");
      h.setAttribute("aria-valuemax", String(Math.round(dur * 10) / 10));
      h.setAttribute("aria-valuenow", String(row[edge]));
      h.setAttribute("aria-valuetext", stamp(row[edge]));
    }
  }

  // --- saving -----------------------------------------------------------------------------------

  function bodyRows() {
    return state.rows.map((r) => {
      const out = { ids: r.ids, text: r.text, speaker: r.speaker.trim() || null };
      if (r.moved) Object.assign(out, { start: r.start, end: r.end });
      return out;
    });
  }

  function asLines(rows) {
    return rows
      .map((r) => `${r.ids.length ? `[${r.ids.join("] [")}] ` : ""}${r.speaker ? r.speaker + ": " : ""}${r.text}`)
      .join("\n");
  }

  async function save() {
    if (state.saving || !state.base) return;
    state.saving = true;
    saveBtn.disabled = true;
    alertEl.textContent = "";
    statusEl.textContent = tr("edit_saving");
    const rows = bodyRows();
    const started = performance.now();
    try {
      const res = await fetch(`/api/edit/recordings/${rec.id}/tracks/${encodeURIComponent(state.trackId)}`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": data.csrf },
        body: JSON.stringify({ digest: state.base.digest, target_digest: state.base.target_digest, rows }),
      });
      const out = await res.json().catch(() => ({ error: `HTTP ${res.status}` }));
      if (res.status === 409 && out.stale) {
        statusEl.textContent = "";
        alertEl.textContent = out.error;
        yoursText.value = asLines(rows);
        yours.hidden = false;
        state.stale = true;
        return;
      }
      if (!res.ok) {
        statusEl.textContent = "";
        alertEl.textContent = out.error || `HTTP ${res.status}`;
        return;
      }
      state.stale = false;
      show({ track: out.track, digest: out.digest, target: out.target,
             target_digest: out.target_digest, speakers: out.speakers }); // prettier-ignore
      const server = /dur=([0-9.]+)/.exec(res.headers.get("Server-Timing") || "");
      state.lastSave = {
        ms: performance.now() - started,
        serverMs: server ? Number(server[1]) : null,
        changed: out.changed,
      };
      const known = [...trackSelect.options].map((o) => o.value);
      if (!known.includes(out.target)) trackSelect.appendChild(el("option", { value: out.target }, out.target));
      trackSelect.value = out.target;
      statusEl.textContent = tr("edit_saved", {
        track: out.target,
        version: digits(out.track.version || 1),
        changed: digits(out.changed.length),
      });
      document.body.dataset.saved = String((Number(document.body.dataset.saved) || 0) + 1);
      if (window.navarPlayer && window.navarPlayer.reload) window.navarPlayer.reload(out.summaries, out.target);
      loadVersions();
    } catch (err) {
      statusEl.textContent = "";
      alertEl.textContent = tr("edit_save_failed", { error: err.message });
    } finally {
      state.saving = false;
      saveBtn.disabled = false;
    }
  }

  // --- versions and what changed ----------------------------------------------------------------

  async function loadVersions() {
    fromSel.textContent = "";
    toSel.textContent = "";
    diffOut.textContent = "";
    const res = await fetch(`/api/edit/recordings/${rec.id}/tracks/${encodeURIComponent(state.trackId)}/versions`);
    if (!res.ok) return;
    const list = await res.json();
    for (const v of list) {
      const when = v.edited ? ` · ${v.edited}` : "";
      const by = v.editor ? ` · ${v.editor}` : "";
      const name = v.key === "current" ? tr("diff_current") : tr("diff_version", { n: digits(v.version) });
      fromSel.appendChild(el("option", { value: v.key }, `${name}${by}${when}`));
      toSel.appendChild(el("option", { value: v.key }, `${name}${by}${when}`));
    }
    if (list.length > 1) fromSel.selectedIndex = list.length - 2;
    toSel.selectedIndex = list.length - 1;
    diffBox.hidden = list.length < 2;
  }

  // Unchanged words only as context: a few beside each change, the rest left out (…).
  const CONTEXT_WORDS = 8;
  function context(text, changeBefore, changeAfter) {
    const words = text.split(" ");
    const keep = (changeBefore ? CONTEXT_WORDS : 0) + (changeAfter ? CONTEXT_WORDS : 0);
    if (words.length <= keep + 1) return text;
    const head = changeBefore ? words.slice(0, CONTEXT_WORDS) : [];
    const tail = changeAfter ? words.slice(-CONTEXT_WORDS) : [];
    return [...head, "…", ...tail].join(" ");
  }

  async function showDiff() {
    diffOut.textContent = "";
    const q = new URLSearchParams({ from: fromSel.value, to: toSel.value });
    const url = `/api/edit/recordings/${rec.id}/tracks/${encodeURIComponent(state.trackId)}/diff?${q}`;
    const res = await fetch(url);
    const out = await res.json().catch(() => ({ error: `HTTP ${res.status}` }));
    if (!res.ok) {
      diffOut.textContent = out.error || `HTTP ${res.status}`;
      return;
    }
    const c = out.counts;
    diffOut.appendChild(
      el("p", { class: "diff-counts" }, tr("diff_counts", { added: digits(c.added), removed: digits(c.removed) }))
    );
    const text = el("p", { class: "diff-text", dir: state.rtl ? "rtl" : "ltr", lang: state.lang });
    out.ops.forEach((op, k) => {
      if (op.op === "same") {
        text.appendChild(document.createTextNode(` ${context(op.text, k > 0, k < out.ops.length - 1)} `));
        return;
      }
      // Not colour alone: <ins>/<del> are announced, and marked by underline and strike-through.
      const node = el(op.op === "added" ? "ins" : "del", {});
      node.appendChild(el("span", { class: "visually-hidden" }, tr(op.op === "added" ? "diff_added" : "diff_removed") + " "));
      node.appendChild(document.createTextNode(op.text));
      text.appendChild(node);
    });
    diffOut.appendChild(text);
  }

  trackSelect.addEventListener("change", () => loadTrack(trackSelect.value));
  fillTracks(rec.tracks);
  loadTrack(firstChoice(rec.tracks)).then(() => (document.body.dataset.editorReady = "1"));
})();
