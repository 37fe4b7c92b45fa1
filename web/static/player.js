// The player: audio over /media/<id>, a waveform, the transcript in Persian and English rows
// kept in step with the audio, search, and citations. Transcript text is only ever put into
// the page with textContent, never as markup.
"use strict";
(function () {
  const rec = JSON.parse(document.getElementById("recording-data").textContent);
  const audio = document.getElementById("audio");
  const transcriptEl = document.getElementById("transcript");
  const canvas = document.getElementById("waveform");
  const followBtn = document.getElementById("follow");
  const statusEl = document.getElementById("status");
  const primarySelect = document.getElementById("primary-track");
  const secondarySelect = document.getElementById("secondary-track");
  const SEEK_STEP = 5;
  // The media clock lands a hair before the time asked for (16.56 -> 16.559999): what is said
  // at a time is looked up this much later, so a row's own first word is the one highlighted.
  const SEEK_TOLERANCE = 0.005;
  const ui = JSON.parse(document.getElementById("ui-strings").textContent);
  const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  const state = {
    primary: null, // the track shown right to left (the recording's language)
    secondary: null, // the English track beside it
    columns: [], // per shown track: {words: [{s, e, el}], segs: [{s, e, el, row}]}
    rows: [],
    quote: null, // {start, end} of the permalink or citation being shown
    follow: true,
    peaks: null,
    activeWords: new Set(),
    activeRow: null,
  };
  window.navarPlayer = state; // for tests and the curious
  state.clock = (t) => clock(t); // the one time format (web/i18n.py clock), for tests

  // --- small helpers ----------------------------------------------------------------------------

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== null && v !== undefined) node.setAttribute(k, v);
    }
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // The interface's words (web/i18n.py), with {name} filled in.
  function tr(key, vars) {
    let text = ui.strings[key] || key;
    for (const [k, v] of Object.entries(vars || {})) text = text.split(`{${k}}`).join(v);
    return text;
  }

  // Persian digits in the Persian interface (times, counts); citations keep Latin digits.
  function digits(text) {
    const str = String(text);
    return ui.lang === "fa" ? str.replace(/[0-9]/g, (d) => "۰۱۲۳۴۵۶۷۸۹"[d]) : str;
  }
  // The editor (editor.js, loaded after this file in edit mode) builds its rows with the same
  // helpers.
  window.navarUI = { el, tr, digits };

  // Whole seconds elapsed, m:ss or h:mm:ss: the same rule as web/i18n.py clock().
  function clock(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const mm = String(m).padStart(2, "0");
    const ss = String(s % 60).padStart(2, "0");
    return h ? `${h}:${mm}:${ss}` : `${m}:${ss}`;
  }

  function shownClock(seconds) {
    return digits(clock(seconds));
  }

  function kindLabel(track) {
    return (track && ui.strings[`kind_${track.kind}`]) || (track && track.label) || "";
  }

  function num(x) {
    return (Math.round(x * 1000) / 1000).toString();
  }

  // Index of the last item whose start is <= t (items sorted by start), or -1. Binary search:
  // a 3-hour transcript has tens of thousands of words and this runs on every frame.
  function lastStartingBefore(items, t) {
    let lo = 0;
    let hi = items.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (items[mid].s <= t) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  let sayTimer = 0;
  function say(message) {
    clearTimeout(sayTimer);
    statusEl.textContent = message || "";
  }

  // A confirmation that goes away by itself, so it is not mistaken for the state of later work.
  const MESSAGE_SECONDS = 4;
  function sayForAWhile(message) {
    say(message);
    sayTimer = setTimeout(() => say(""), MESSAGE_SECONDS * 1000);
  }

  function isTimed(seg) {
    return seg.start !== null && seg.end !== null;
  }

  // --- choosing tracks --------------------------------------------------------------------------

  function primaryCandidates() {
    const rtl = rec.tracks.filter((t) => t.rtl || t.language === rec.language);
    return rtl.length ? rtl : rec.tracks;
  }

  function secondaryCandidates() {
    return rec.tracks.filter((t) => !t.rtl && t.language !== rec.language);
  }

  // Prefer what is placed in time, then human over machine.
  function rank(t) {
    const timed = t.timed_segments > 0 ? 0 : 2;
    return timed + (t.machine ? 1 : 0);
  }

  function fillSelect(select, tracks, none) {
    select.textContent = "";
    if (none) select.appendChild(el("option", { value: "" }, tr("track_none")));
    for (const t of tracks) {
      const comma = ui.lang === "fa" ? "، " : ", ";
      const untimed = t.timed_segments ? "" : comma + tr("not_timed");
      select.appendChild(el("option", { value: t.id }, `${t.id} (${kindLabel(t)}${untimed})`));
    }
  }

  function initialChoice(tracks, param, none) {
    const wanted = new URLSearchParams(location.search).get(param);
    if (wanted && tracks.some((t) => t.id === wanted)) return wanted;
    if (none && wanted === "") return ""; // "none" chosen in the menu (?en=)
    const sorted = tracks.slice().sort((a, b) => rank(a) - rank(b));
    return sorted.length ? sorted[0].id : "";
  }

  const trackCache = new Map();
  async function loadTrack(id) {
    if (!id) return null;
    if (!trackCache.has(id)) {
      const url = `/api/recordings/${rec.id}/tracks/${encodeURIComponent(id)}`;
      trackCache.set(
        id,
        fetch(url).then((r) => {
          if (!r.ok) throw new Error(`track ${id}: HTTP ${r.status}`);
          return r.json();
        })
      );
    }
    return trackCache.get(id);
  }

  // --- building the transcript ----------------------------------------------------------------

  // Rows follow the primary track's segments; each secondary segment joins the row of the
  // source segment it renders, else the row its midpoint falls in, else a row in proportion.
  function placeSecondary(rows, primary, secondary) {
    const byId = new Map(rows.map((r, i) => [r.seg && r.seg.id, i]));
    const timedRows = rows
      .map((r, i) => ({ s: r.seg && isTimed(r.seg) ? r.seg.start : null, i }))
      .filter((x) => x.s !== null)
      .sort((a, b) => a.s - b.s);
    const n = secondary.segments.length;
    secondary.segments.forEach((seg, k) => {
      let idx = -1;
      if (primary && secondary.source_track === primary.id) {
        for (const sid of seg.source_ids || []) {
          if (byId.has(sid)) {
            idx = byId.get(sid);
            break;
          }
        }
      }
      if (idx < 0 && isTimed(seg) && timedRows.length) {
        const mid = (seg.start + seg.end) / 2;
        const j = lastStartingBefore(timedRows, mid);
        idx = timedRows[Math.max(0, j)].i;
      }
      if (idx < 0) idx = Math.min(rows.length - 1, Math.floor((k * rows.length) / n));
      rows[idx].others.push(seg);
    });
  }

  function buildRows(primary, secondary) {
    if (!primary || !primary.segments.length) {
      return secondary ? secondary.segments.map((seg) => ({ seg: null, others: [seg] })) : [];
    }
    const rows = primary.segments.map((seg) => ({ seg, others: [] }));
    if (secondary) placeSecondary(rows, primary, secondary);
    markTurns(rows);
    return rows;
  }

  // A row where the speaker changes starts a turn: both columns show the speaker's name there
  // (the English follows the turns of the segments it sits beside).
  const speakerNames = new Map((rec.speakers || []).map((s) => [s.id, s.name]));
  function markTurns(rows) {
    let last = null;
    for (const row of rows) {
      const seg = row.seg || row.others.find((s) => s.speaker) || null;
      const who = seg && seg.speaker ? seg.speaker : null;
      if (who && who !== last) row.turn = speakerNames.get(who) || who;
      if (who) last = who;
    }
  }

  function speakerLabel(name) {
    return el("span", { class: "speaker" }, name);
  }

  function renderSegment(container, seg, column) {
    const start = isTimed(seg) ? seg.start : null;
    const segEl = el("span", { class: "seg", "data-id": seg.id });
    if (start !== null) {
      segEl.dataset.s = seg.start;
      segEl.dataset.e = seg.end;
    }
    const words = seg.words || [];
    if (words.length) {
      // The hot loop of a long transcript (tens of thousands of words): plain DOM calls, and the
      // time kept as a property rather than an attribute.
      for (const w of words) {
        const text = w.text.trim();
        if (!text) continue;
        if (segEl.firstChild) segEl.append(" ");
        const wEl = document.createElement("span");
        wEl.className = "w";
        wEl.textContent = text;
        wEl.navarStart = w.start;
        segEl.appendChild(wEl);
        column.words.push({ s: w.start, e: w.end, el: wEl });
      }
    } else {
      segEl.textContent = seg.text;
    }
    if (seg.flags && seg.flags.length) segEl.title = seg.flags.join(", ");
    container.appendChild(segEl);
    container.appendChild(document.createTextNode(" "));
    if (start !== null) column.segs.push({ s: seg.start, e: seg.end, el: segEl });
    return segEl;
  }

  function columnHeader(track, cls) {
    const head = el("div", { class: `col-head ${cls}` });
    if (!track) return head;
    head.appendChild(el("span", { class: "label" }, kindLabel(track)));
    head.appendChild(el("code", { dir: "ltr" }, track.id));
    if (track.kind === "asr" || track.kind === "mt") {
      head.appendChild(el("span", { class: "badge" }, tr("machine_output")));
    }
    return head;
  }

  // Rows are added in chunks so the first screenful shows at once and the page stays
  // responsive while a 3-hour transcript (thousands of rows) is built.
  const CHUNK_ROWS = 300;
  let renderGeneration = 0;

  function renderRow(row, primary, secondary, cols) {
    const rowEl = el("div", { class: "row" });
    const anchor = row.seg || row.others[0];
    const t = anchor && isTimed(anchor) ? anchor.start : null;
    // Out of the tab order: the transcript is one tab stop (its words, see "keyboard" below),
    // and a row's first word seeks to the same time.
    const timeBtn = el("button", { class: "time", type: "button", tabindex: "-1" },
      t === null ? "–" : shownClock(t));
    if (t !== null) timeBtn.dataset.s = t;
    else timeBtn.disabled = true;
    rowEl.appendChild(timeBtn);
    const lang = primary ? primary.language : rec.language;
    const fa = el("div", { class: "fa", dir: "rtl", lang });
    if (row.turn) fa.appendChild(speakerLabel(row.turn));
    if (row.seg) renderSegment(fa, row.seg, cols[0]);
    const en = el("div", { class: "en", dir: "ltr", lang: secondary ? secondary.language : "en" });
    if (row.turn && row.others.length) en.appendChild(speakerLabel(row.turn));
    for (const seg of row.others) renderSegment(en, seg, cols[1]);
    rowEl.append(fa, en);
    rowEl.navarRow = state.rows.length;
    return { el: rowEl, s: t, e: anchor && isTimed(anchor) ? anchor.end : null };
  }

  function indexRows() {
    for (const col of state.columns) {
      col.words.sort((a, b) => a.s - b.s);
      col.segs.sort((a, b) => a.s - b.s);
    }
    state.timedRows = state.rows.filter((r) => r.s !== null).sort((a, b) => a.s - b.s);
  }

  async function render(primary, secondary) {
    const generation = ++renderGeneration;
    const rows = buildRows(primary, secondary);
    transcriptEl.textContent = "";
    const heads = el("div", { class: "row heads" });
    const primaryMeta = primary && rec.tracks.find((t) => t.id === primary.id);
    const secondaryMeta = secondary && rec.tracks.find((t) => t.id === secondary.id);
    heads.appendChild(el("div", { class: "time" }));
    const faHead = columnHeader(primaryMeta, "head-fa");
    faHead.setAttribute("dir", "rtl");
    heads.appendChild(faHead);
    heads.appendChild(columnHeader(secondaryMeta, "head-en"));
    transcriptEl.appendChild(heads);

    state.columns = [
      { words: [], segs: [] },
      { words: [], segs: [] },
    ];
    state.rows = [];
    state.activeWords = new Set();
    state.activeRow = null;
    for (let i = 0; i < rows.length; i += CHUNK_ROWS) {
      if (i) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (generation !== renderGeneration) return false; // another track was chosen
      }
      const frag = document.createDocumentFragment();
      for (const row of rows.slice(i, i + CHUNK_ROWS)) {
        const r = renderRow(row, primary, secondary, state.columns);
        frag.appendChild(r.el);
        state.rows.push(r);
      }
      transcriptEl.appendChild(frag);
      indexRows();
      update(true);
      if (!i) state.firstRowsAt = performance.now();
    }
    markQuote();
    update(true);
    if (!roving || !transcriptEl.contains(roving)) {
      for (const r of state.rows) {
        const first = firstItem(r.el);
        if (first) {
          setRoving(first, false);
          break;
        }
      }
    }
    return true;
  }

  async function showTracks() {
    say(tr("loading"));
    try {
      const [primary, secondary] = await Promise.all([
        loadTrack(primarySelect.value),
        loadTrack(secondarySelect.value),
      ]);
      const fetched = performance.now();
      state.primary = primary;
      state.secondary = secondary;
      if (!primary && !secondary) {
        transcriptEl.textContent = "";
        transcriptEl.appendChild(el("p", {}, tr("no_transcript")));
      } else {
        if (!(await render(primary, secondary))) return;
      }
      state.timings = { fetched, firstRows: state.firstRowsAt, rendered: performance.now() };
      say("");
      runSearch();
      if (!state.started) {
        state.started = true;
        openPermalink();
        document.body.dataset.ready = "1";
      }
    } catch (err) {
      say(tr("load_failed", { error: err.message }));
    }
  }

  // --- following the audio ----------------------------------------------------------------------

  function activeIn(items, t) {
    const i = lastStartingBefore(items, t);
    return i >= 0 && t <= items[i].e + 0.05 ? items[i] : null;
  }

  function update(force) {
    const t = audio.currentTime + SEEK_TOLERANCE;
    const words = new Set();
    for (const col of state.columns) {
      const w = activeIn(col.words, t);
      if (w) words.add(w.el);
      const s = activeIn(col.segs, t);
      if (s) words.add(s.el);
    }
    for (const node of state.activeWords) {
      if (!words.has(node)) {
        node.classList.remove("active");
        node.removeAttribute("aria-current");
      }
    }
    for (const node of words) {
      node.classList.add("active");
      node.setAttribute("aria-current", "time");
    }
    state.activeWords = words;

    const rows = state.timedRows || [];
    const r = rows[lastStartingBefore(rows, t)] || null;
    if (r !== state.activeRow || force) {
      if (state.activeRow) {
        state.activeRow.el.classList.remove("current");
        state.activeRow.el.removeAttribute("aria-current");
      }
      if (r) {
        r.el.classList.add("current");
        r.el.setAttribute("aria-current", "time");
        // Tabbing into the transcript lands on the passage being heard.
        if (!transcriptEl.contains(document.activeElement)) setRoving(firstItem(r.el), false);
      }
      state.activeRow = r;
      if (r && state.follow && !audio.paused) scrollToRow(r);
    }
    updateSlider();
    drawWaveform();
  }

  // The sticky deck (when it is sticky: wide, tall screens) hides the top of the window; what
  // is shown is centred in the part below it. Smooth only when motion is welcome.
  function deckCover() {
    const deck = document.getElementById("deck");
    if (getComputedStyle(deck).position !== "sticky") return 0;
    return Math.max(0, deck.getBoundingClientRect().bottom);
  }

  function reveal(node, smooth) {
    if (!node) return;
    const box = node.getBoundingClientRect();
    const top = deckCover();
    const room = window.innerHeight - top;
    const y = window.scrollY + box.top - top - Math.max(0, (room - box.height) / 2);
    const behavior = smooth && !reduceMotion.matches ? "smooth" : "auto";
    window.scrollTo({ top: Math.max(0, y), behavior });
  }

  function scrollToRow(r) {
    reveal(r.el, true);
  }

  // Only the reader's own gestures (wheel, touch, keys) stop the following; the player's own
  // scrolling never does.
  function readerScrolled() {
    if (state.follow) {
      state.follow = false;
      followBtn.hidden = false;
    }
  }
  window.addEventListener("wheel", readerScrolled, { passive: true });
  window.addEventListener("touchmove", readerScrolled, { passive: true });
  followBtn.addEventListener("click", () => {
    state.follow = true;
    followBtn.hidden = true;
    if (state.activeRow) scrollToRow(state.activeRow);
  });

  let frame = 0;
  function tick() {
    update(false);
    frame = audio.paused ? 0 : requestAnimationFrame(tick);
  }
  audio.addEventListener("play", () => {
    if (!frame) frame = requestAnimationFrame(tick);
    // Playing brings the passage into view (a seek while paused left the page where it was).
    if (state.follow && state.activeRow) scrollToRow(state.activeRow);
  });
  audio.addEventListener("timeupdate", () => update(false));
  audio.addEventListener("seeked", () => update(false));
  audio.addEventListener("loadedmetadata", () => drawWaveform());

  function seek(t, play) {
    audio.currentTime = Math.min(Math.max(0, t), duration() || Infinity);
    update(false);
    if (play) audio.play().catch(() => {});
  }

  // Clicking a word, a segment or a row's time seeks; selecting text makes a citation instead.
  transcriptEl.addEventListener("click", (ev) => {
    const sel = window.getSelection();
    if (sel && !sel.isCollapsed) return;
    const item = itemOf(ev.target);
    if (item) setRoving(item, true);
    const t = startOf(ev.target);
    if (t !== null) seek(t, false);
  });

  // A word keeps its start as a property; segments and row times as data-s.
  function startOf(node) {
    for (let n = node; n && n !== transcriptEl; n = n.parentElement) {
      if (n.navarStart !== undefined) return n.navarStart;
      if (n.dataset && n.dataset.s !== undefined) return parseFloat(n.dataset.s);
    }
    return null;
  }

  // --- keyboard and speed -----------------------------------------------------------------------

  // The transcript is one tab stop: a roving tabindex over its words (and over segments that
  // have no word times). Inside it, arrows move (left and right follow the text's direction,
  // up and down go by rows), Enter seeks to the focused word, C cites its row.
  // Elsewhere, outside text fields: space plays and pauses, left and right move 5 seconds.
  const ITEMS = ".w, .seg:not(:has(.w))";
  let roving = null;

  function itemOf(node) {
    const item = node && node.closest ? node.closest(ITEMS) : null;
    return item && transcriptEl.contains(item) ? item : null;
  }

  function rowElOf(node) {
    return node ? node.closest(".row") : null;
  }

  function setRoving(item, focus) {
    if (!item) return;
    if (roving && roving !== item) roving.removeAttribute("tabindex");
    roving = item;
    item.tabIndex = 0;
    if (focus) item.focus({ preventScroll: true });
    placeCiteButton(rowElOf(item));
  }

  function itemsIn(container) {
    return container ? [...container.querySelectorAll(ITEMS)] : [];
  }

  function firstItem(rowEl) {
    return itemsIn(rowEl.querySelector(".fa"))[0] || itemsIn(rowEl)[0] || null;
  }

  function columnOf(item) {
    return item.closest(".fa") ? ".fa" : ".en";
  }

  // The first item of the next row (step +1), or the last of the previous one (step -1).
  function nextRowItem(rowEl, step) {
    for (let i = rowEl.navarRow + step; i >= 0 && i < state.rows.length; i += step) {
      const here = itemsIn(state.rows[i].el);
      const item = step > 0 ? here[0] : here[here.length - 1];
      if (item) return item;
    }
    return null;
  }

  function moveInTranscript(item, key) {
    const rowEl = rowElOf(item);
    const column = columnOf(item);
    const rtl = getComputedStyle(item).direction === "rtl";
    if (key === "ArrowUp" || key === "ArrowDown") {
      const step = key === "ArrowDown" ? 1 : -1;
      for (let i = rowEl.navarRow + step; i >= 0 && i < state.rows.length; i += step) {
        const r = state.rows[i].el;
        const target = itemsIn(r.querySelector(column))[0] || firstItem(r);
        if (target) return target;
      }
      return null;
    }
    if (key === "Home") return state.rows.length ? firstItem(state.rows[0].el) : null;
    if (key === "End") {
      for (let i = state.rows.length - 1; i >= 0; i--) {
        const f = firstItem(state.rows[i].el);
        if (f) return f;
      }
      return null;
    }
    // Left and right go through a row in reading order, its Persian then its English, then on
    // to the next row; the next word is to the left in right-to-left text.
    const forward = (key === "ArrowLeft") === rtl;
    const here = itemsIn(rowEl);
    const i = here.indexOf(item) + (forward ? 1 : -1);
    if (i >= 0 && i < here.length) return here[i];
    return nextRowItem(rowEl, forward ? 1 : -1);
  }

  function transcriptKey(ev, item) {
    if (["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End"].includes(ev.key)) {
      const target = moveInTranscript(item, ev.key);
      if (target) {
        setRoving(target, true);
        reveal(target, false);
      }
      return true;
    }
    if (ev.key === "Enter") {
      const t = startOf(item);
      if (t !== null) seek(t, false);
      return true;
    }
    if (ev.key === "c" || ev.key === "C") {
      citeRow(rowElOf(item));
      return true;
    }
    return false;
  }

  function playPause() {
    if (audio.paused) audio.play().catch(() => {});
    else audio.pause();
  }

  // Where space plays and pauses even though the element is a button: the row times (focused
  // by a click, out of the tab order) and the waveform.
  function spacePlays(target) {
    return target === canvas || target.matches("#transcript button.time");
  }

  document.addEventListener("keydown", (ev) => {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const target = ev.target;
    const tag = target.tagName;
    if (["INPUT", "TEXTAREA", "SELECT", "AUDIO"].includes(tag) || target.isContentEditable) return;
    const item = itemOf(target);
    if (item && target === item && transcriptKey(ev, item)) {
      ev.preventDefault();
      return;
    }
    const onControl = tag === "BUTTON" || tag === "A";
    if (ev.key === " " && (!onControl || spacePlays(target))) {
      ev.preventDefault();
      playPause();
    } else if (ev.key === "ArrowLeft" || (target === canvas && ev.key === "ArrowDown")) {
      ev.preventDefault();
      seek(audio.currentTime - SEEK_STEP, false);
    } else if (ev.key === "ArrowRight" || (target === canvas && ev.key === "ArrowUp")) {
      ev.preventDefault();
      seek(audio.currentTime + SEEK_STEP, false);
    } else if (target === canvas && (ev.key === "Home" || ev.key === "End")) {
      ev.preventDefault();
      seek(ev.key === "Home" ? 0 : duration(), false);
    } else if ((ev.key === "w" || ev.key === "W") && !onControl) {
      whereAmI();
    } else if (["PageUp", "PageDown", "ArrowUp", "ArrowDown", "Home", "End"].includes(ev.key)) {
      readerScrolled();
    }
  });
  // A button activates on the release of space: not the ones where space plays and pauses.
  document.addEventListener("keyup", (ev) => {
    if (ev.key === " " && spacePlays(ev.target)) ev.preventDefault();
  });

  // "Where am I?": the time and the passage being heard, read out (the status is a live region).
  function whereAmI() {
    const vars = { t: shownClock(audio.currentTime), d: shownClock(duration()) };
    const r = state.activeRow;
    const parts = r ? [...r.el.querySelectorAll(".fa, .en")].map((n) => n.textContent.trim()) : [];
    const text = parts.filter(Boolean).join(" — ");
    statusEl.textContent = "";
    // A fresh text node in a moment, so the same words asked twice are read twice.
    const message = text ? tr("where_text", { ...vars, text }) : tr("where_nothing", vars);
    setTimeout(() => say(message), 50);
  }
  document.getElementById("where").addEventListener("click", whereAmI);

  // The cite button sits in the row of the focused word: Tab from the transcript reaches it.
  const citeRowBtn = el("button", { type: "button", class: "cite-row", id: "cite-row" });
  citeRowBtn.textContent = tr("cite_passage");
  citeRowBtn.addEventListener("click", () => citeRow(rowElOf(citeRowBtn)));

  function placeCiteButton(rowEl) {
    if (rowEl && citeRowBtn.parentElement !== rowEl) rowEl.appendChild(citeRowBtn);
  }

  function citeRow(rowEl) {
    if (!rowEl) return;
    const r = state.rows[rowEl.navarRow];
    if (r && r.s !== null && r.e !== null) citeSpan(r.s, r.e);
  }

  // A citation of a whole passage (a row), by its span.
  function citeSpan(start, end) {
    showCitation({ start, end });
  }

  // Keyboard and touch selections make no mouseup: they are cited once the selection has
  // stopped changing. A mouse selection is cited on release, and not again here.
  const SELECTION_SETTLE_MS = 600;
  let selectionTimer = 0;
  let mouseDown = false;
  let citedRange = null;
  function sameRange(a, b) {
    return (
      a && b &&
      a.compareBoundaryPoints(Range.START_TO_START, b) === 0 &&
      a.compareBoundaryPoints(Range.END_TO_END, b) === 0
    );
  }
  function currentRange() {
    const sel = window.getSelection();
    return sel && !sel.isCollapsed && sel.rangeCount ? sel.getRangeAt(0) : null;
  }
  transcriptEl.addEventListener("mousedown", () => (mouseDown = true));
  document.addEventListener("mouseup", () => {
    mouseDown = false;
    const range = currentRange(); // just cited by the transcript's own mouseup
    citedRange = range ? range.cloneRange() : null;
  });
  document.addEventListener("selectionchange", () => {
    clearTimeout(selectionTimer);
    if (!currentRange()) citedRange = null; // cleared: the same words may be cited again
    if (mouseDown) return;
    selectionTimer = setTimeout(() => {
      const range = currentRange();
      if (!range || !transcriptEl.contains(range.commonAncestorContainer)) return;
      if (sameRange(range, citedRange)) return;
      citedRange = range.cloneRange();
      citeSelection();
    }, SELECTION_SETTLE_MS);
  });

  // The citation box grows the deck when it opens: keep it and the cited words in sight.
  const citationBox = document.getElementById("citation");
  function revealQuote() {
    const deck = document.getElementById("deck");
    // In a pinned deck taller than its room, scroll it just enough to show the whole box.
    const over = citationBox.getBoundingClientRect().bottom - deck.getBoundingClientRect().bottom;
    if (deckCover() && over > 0) deck.scrollTop += over;
    const first = transcriptEl.querySelector(".quote");
    if (first) reveal(first, false);
  }
  new MutationObserver(() => {
    if (!citationBox.hidden) revealQuote();
  }).observe(citationBox, { attributes: true, attributeFilter: ["hidden"] });

  // Where the deck is not pinned (phones, zoom), a play/pause button stays at hand once the
  // audio player has scrolled out of sight.
  const miniPlay = document.getElementById("mini-play");
  miniPlay.addEventListener("click", playPause);
  function showPlayState() {
    miniPlay.textContent = audio.paused ? "▶" : "❚❚";
    miniPlay.setAttribute("aria-label", tr(audio.paused ? "play" : "pause"));
  }
  audio.addEventListener("play", showPlayState);
  audio.addEventListener("pause", showPlayState);
  new IntersectionObserver(([entry]) => {
    miniPlay.hidden = entry.isIntersecting;
  }).observe(audio);

  // Playback speed is remembered between visits (this browser only).
  const speedSelect = document.getElementById("speed");
  function remembered(key) {
    try {
      return localStorage.getItem(key);
    } catch (err) {
      return null; // storage refused (private mode, policy): nothing is remembered
    }
  }
  function remember(key, value) {
    try {
      localStorage.setItem(key, value);
    } catch (err) {
      /* as above */
    }
  }
  speedSelect.addEventListener("change", (ev) => {
    audio.playbackRate = parseFloat(ev.target.value);
    remember("navar.speed", ev.target.value);
  });
  const savedSpeed = remembered("navar.speed");
  if (savedSpeed && [...speedSelect.options].some((o) => o.value === savedSpeed)) {
    speedSelect.value = savedSpeed;
    audio.playbackRate = audio.defaultPlaybackRate = parseFloat(savedSpeed);
  }

  // --- waveform ---------------------------------------------------------------------------------

  function duration() {
    return isFinite(audio.duration) && audio.duration > 0 ? audio.duration : rec.duration;
  }

  function drawWaveform() {
    const ctx = canvas.getContext("2d");
    const ratio = window.devicePixelRatio || 1;
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    if (canvas.width !== Math.round(w * ratio)) {
      canvas.width = Math.round(w * ratio);
      canvas.height = Math.round(h * ratio);
    }
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const dur = duration();
    const x = (t) => (t / dur) * w;
    if (state.quote) {
      ctx.fillStyle = "rgba(255, 196, 0, 0.35)";
      ctx.fillRect(x(state.quote.start), 0, Math.max(2, x(state.quote.end) - x(state.quote.start)), h);
    }
    const pos = x(audio.currentTime);
    const peaks = state.peaks;
    if (peaks && peaks.peaks.length) {
      const n = peaks.peaks.length;
      const span = peaks.seconds_per_peak;
      for (let px = 0; px < w; px++) {
        const a = Math.floor(((px / w) * dur) / span);
        const b = Math.max(a + 1, Math.floor((((px + 1) / w) * dur) / span));
        let m = 0;
        for (let i = a; i < b && i < n; i++) m = Math.max(m, peaks.peaks[i]);
        const bar = Math.max(1, (m / 255) * (h - 4));
        ctx.fillStyle = px < pos ? "#1f5f8b" : "#9bb7cc";
        ctx.fillRect(px, (h - bar) / 2, 1, bar);
      }
    }
    ctx.fillStyle = "#c0392b";
    ctx.fillRect(Math.min(w - 2, pos), 0, 2, h);
  }

  canvas.addEventListener("click", (ev) => {
    const box = canvas.getBoundingClientRect();
    seek(((ev.clientX - box.left) / box.width) * duration(), false);
  });

  // The waveform is a slider for assistive technology: its value is the position in seconds,
  // read out as "0:24 of 0:40". Updated only when the whole second changes.
  let sliderSecond = -1;
  function updateSlider() {
    const now = Math.floor(audio.currentTime);
    if (now === sliderSecond) return;
    sliderSecond = now;
    canvas.setAttribute("aria-valuemax", String(Math.round(duration() * 10) / 10));
    canvas.setAttribute("aria-valuenow", String(now));
    canvas.setAttribute(
      "aria-valuetext",
      tr("position_of", { t: shownClock(now), d: shownClock(duration()) })
    );
  }
  window.addEventListener("resize", () => drawWaveform());

  fetch(`/api/recordings/${rec.id}/peaks`)
    .then((r) => (r.ok ? r.json() : null))
    .then((p) => {
      state.peaks = p;
      drawWaveform();
    })
    .catch(() => {});

  // --- quotes, permalinks and citations ---------------------------------------------------------

  function markQuote() {
    for (const node of transcriptEl.querySelectorAll(".quote")) node.classList.remove("quote");
    const q = state.quote;
    if (!q) return;
    let first = null;
    for (const col of state.columns) {
      const items = col.words.length ? col.words : col.segs;
      // A small tolerance: the quote's ends are word boundaries, possibly rounded.
      for (const it of items) {
        if (it.s >= q.start - 0.05 && it.e <= q.end + 0.05) {
          it.el.classList.add("quote");
          if (!first) first = it.el;
        }
      }
    }
    if (first) reveal(first, false);
    drawWaveform();
  }

  function parseHash() {
    const m = /^#t=([0-9.]+)(?:,([0-9.]+))?$/.exec(location.hash);
    if (!m) return null;
    const start = parseFloat(m[1]);
    const end = m[2] !== undefined ? parseFloat(m[2]) : start;
    if (!isFinite(start) || !isFinite(end) || end < start) return null;
    return { start, end };
  }

  // Opening a permalink seeks to the quote and marks it; it never starts playback by itself.
  function openPermalink() {
    const q = parseHash();
    if (!q) return;
    state.quote = q;
    const go = () => {
      audio.currentTime = q.start;
      update(true);
    };
    if (audio.readyState >= 1) go();
    else audio.addEventListener("loadedmetadata", go, { once: true });
    markQuote();
  }
  window.addEventListener("hashchange", openPermalink);

  // Citations pair text only where the pairing is known (align.pairing decides, on the
  // server): words with their own times are cited by their span; text timed only by whole
  // segments (a human translation aligned sentence by sentence) is cited as quoted inside its
  // segment(s), over their span, and the citation says so. Nothing is sliced by proportion.
  // A request is {start, end, text, language} for timed words, or {start, end, quote, track}
  // for a quote in a track, where start-end is where to look for it.

  function columnTrack(k) {
    return [state.primary, state.secondary][k] || null;
  }

  function citationParams(req) {
    const p = new URLSearchParams({ start: num(req.start), end: num(req.end) });
    if (req.quote) {
      p.set("quote", req.quote);
      p.set("track", req.track);
    }
    const shown = [state.primary, state.secondary].filter(Boolean).map((t) => t.id);
    if (shown.length) p.set("tracks", shown.join(","));
    return p.toString();
  }

  // Shows the citation the server makes for ``req``; returns its span, or null when there is
  // nothing to cite (the reason is said).
  async function showCitation(req) {
    let c = null;
    try {
      const r = await fetch(`/api/recordings/${rec.id}/cite?${citationParams(req)}`);
      const body = await r.json().catch(() => ({}));
      if (r.ok) c = body;
      else if (r.status === 400) {
        say(`Nothing to cite: ${body.error || "the server refused the request"}`);
        return null;
      }
    } catch (err) {
      /* the citation made here below still holds */
    }
    // Without the server's citation (no align in this installation, or offline), the text
    // shown is what was selected, over the span it is known to occupy.
    const start = c ? c.start : req.start;
    const end = c ? c.end : req.end;
    state.quote = { start, end };
    markQuote();
    const link = `${location.origin}/r/${rec.id}#t=${num(start)},${num(end)}`;
    let text = req.quote || req.text || "";
    let citation;
    if (c) {
      const own = (c.texts || []).find((t) => t.language === req.language);
      if (own || (c.texts && c.texts.length)) text = (own || c.texts[0]).text;
      citation = c.text.replace(c.permalink, `${location.origin}${c.permalink}`);
    } else {
      const where = req.quote
        ? `in the sentence ${clock(start)}–${clock(end)}, whose words have no times of their own`
        : `${clock(start)}–${clock(end)}`;
      citation = `"${text}" (${rec.title}, ${where}; SHA-256 ${rec.sha256}) ${link}`;
    }
    const clipReq = { start, end, quote: req.quote, track: req.track };
    document.getElementById("citation-quote").textContent = text;
    document.getElementById("citation-link").value = link;
    document.getElementById("citation-text").value = citation;
    const clip = `/r/${rec.id}/clip.mp3?${citationParams(clipReq)}`;
    document.getElementById("citation-clip").href = clip;
    document.getElementById("citation").hidden = false;
    history.replaceState(null, "", `#t=${num(start)},${num(end)}`);
    return { start, end };
  }

  // The part of a segment's text inside the selection.
  function selectedPart(node, range) {
    const part = document.createRange();
    part.selectNodeContents(node);
    if (node.contains(range.startContainer)) part.setStart(range.startContainer, range.startOffset);
    if (node.contains(range.endContainer)) part.setEnd(range.endContainer, range.endOffset);
    return part.toString();
  }

  // What a selection cites: the timed words it touches (in any column), else the selected text
  // of segments timed only as a whole, as a quote in their track.
  function selectionRequest(range) {
    let start = Infinity;
    let end = -Infinity;
    let text = "";
    let language = null;
    state.columns.forEach((col, k) => {
      const words = col.words.filter((w) => range.intersectsNode(w.el));
      if (!words.length) return;
      start = Math.min(start, ...words.map((w) => w.s));
      end = Math.max(end, ...words.map((w) => w.e));
      if (!text) {
        text = words.map((w) => w.el.textContent).join(" ");
        language = columnTrack(k) && columnTrack(k).language;
      }
    });
    if (isFinite(start) && end > start) return { start, end, text, language };
    for (let k = 0; k < state.columns.length; k++) {
      const track = columnTrack(k);
      if (!track) continue;
      const parts = [];
      let s = Infinity;
      let e = -Infinity;
      for (const seg of state.columns[k].segs) {
        if (seg.el.querySelector(".w") || !range.intersectsNode(seg.el)) continue;
        const part = selectedPart(seg.el, range).trim();
        if (!part) continue;
        parts.push(part);
        s = Math.min(s, seg.s);
        e = Math.max(e, seg.e);
      }
      if (parts.length) return { start: s, end: e, quote: parts.join(" "), track: track.id };
    }
    return null;
  }

  // Selecting text in the transcript cites what was selected.
  function citeSelection() {
    const sel = window.getSelection();
    if (!sel || sel.isCollapsed || !sel.rangeCount) return;
    const req = selectionRequest(sel.getRangeAt(0));
    if (req) showCitation(req);
  }
  transcriptEl.addEventListener("mouseup", citeSelection);

  document.getElementById("citation-copy").addEventListener("click", async () => {
    const text = document.getElementById("citation-text");
    try {
      await navigator.clipboard.writeText(text.value);
    } catch (err) {
      text.select();
      document.execCommand("copy");
    }
    sayForAWhile(tr("copied"));
  });
  document.getElementById("citation-close").addEventListener("click", () => {
    document.getElementById("citation").hidden = true;
    if (roving) roving.focus({ preventScroll: true }); // back where the citation was asked for
  });

  // The quote box: find the words in the loaded transcript (normalised, ignoring spaces); if
  // they are not there, ask the server to find them in the audio.
  function locateIn(items, query) {
    const target = NavarText.compact(query);
    if (!target || !items.length) return null;
    let joined = "";
    const owner = [];
    items.forEach((it, i) => {
      const c = NavarText.compact(it.el.textContent);
      joined += c;
      for (let k = 0; k < c.length; k++) owner.push(i);
    });
    const at = joined.indexOf(target);
    if (at < 0) return null;
    return [items[owner[at]], items[owner[at + target.length - 1]]];
  }

  // A citation request for the quote in column k: its timed words, or the segments (timed only
  // as a whole) it is in.
  function locateInColumn(k, query) {
    const col = state.columns[k];
    const words = locateIn(col.words, query);
    const track = columnTrack(k);
    const language = track && track.language;
    if (words) return { start: words[0].s, end: words[1].e, text: query, language };
    const wholeSegs = col.segs.filter((seg) => !seg.el.querySelector(".w"));
    const segs = track && locateIn(wholeSegs, query);
    if (segs) return { start: segs[0].s, end: segs[1].e, quote: query, track: track.id };
    return null;
  }

  async function citeAndSeek(req) {
    const span = await showCitation(req);
    if (span) seek(span.start, false);
  }

  document.getElementById("quote-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const query = document.getElementById("quote").value.trim();
    if (!query) return;
    for (let k = 0; k < state.columns.length; k++) {
      const req = locateInColumn(k, query);
      if (req) {
        await citeAndSeek(req);
        return;
      }
    }
    say(tr("searching_audio"));
    try {
      const r = await fetch(`/api/recordings/${rec.id}/find?q=${encodeURIComponent(query)}`);
      const body = await r.json();
      if (!r.ok) throw new Error(body.error || `HTTP ${r.status}`);
      const best = body.matches[0];
      if (!best) {
        // Refused because part of it is said elsewhere (say where each part is), or because
        // other speech comes between its words (say where).
        const split = (body.notes || [])[0];
        if (split && split.kind === "apart") {
          say(tr("quote_apart", {
            first: digits(split.words[0]), last: digits(split.words[1]),
            seconds: digits(split.speech_s.toFixed(1)), at: shownClock(split.between[0]),
          }));
        } else if (split) {
          say(tr("quote_split", {
            first: digits(split.words[0]), last: digits(split.words[1]),
            at: shownClock(split.at), here: shownClock(split.here[0]),
          }));
        } else {
          say(tr("quote_not_found"));
        }
        return;
      }
      say("");
      // Found in the audio: cite where it is heard. Found in a translation: cite it as that
      // track writes it (the server gives its words' times, or its whole sentence's).
      const req =
        best.language === rec.language
          ? { start: best.start, end: best.end, text: best.text, language: best.language }
          : { start: best.start, end: best.end, quote: best.text, track: best.track };
      await citeAndSeek(req);
    } catch (err) {
      say(tr("quote_not_found_why", { error: err.message }));
    }
  });

  // --- search within the recording -------------------------------------------------------------

  const hitsEl = document.getElementById("search-hits");
  const searchInput = document.getElementById("search");
  const searchCount = document.getElementById("search-count");
  const MAX_HITS = 200;

  function runSearch() {
    const q = NavarText.normalize(searchInput.value);
    hitsEl.textContent = "";
    for (const node of transcriptEl.querySelectorAll(".hit")) node.classList.remove("hit");
    if (!q) {
      hitsEl.hidden = true;
      searchCount.textContent = "";
      return;
    }
    const qc = q.replace(/ /g, "");
    let count = 0;
    for (const col of state.columns) {
      for (const seg of col.segs) {
        const text = seg.el.textContent;
        const norm = NavarText.normalize(text);
        if (!norm.includes(q) && !norm.replace(/ /g, "").includes(qc)) continue;
        seg.el.classList.add("hit");
        if (++count > MAX_HITS) continue;
        // A button per hit: reachable with Tab, activated with Enter or space.
        const li = el("li", { class: "search-hit" });
        const btn = el("button", { type: "button", "data-s": seg.s });
        btn.navarSeg = seg.el;
        btn.appendChild(el("span", { class: "time" }, shownClock(seg.s)));
        btn.appendChild(el("span", { class: "text", dir: "auto" }, text));
        li.appendChild(btn);
        hitsEl.appendChild(li);
      }
    }
    if (!count) hitsEl.appendChild(el("li", { class: "none" }, tr("no_match")));
    hitsEl.hidden = false;
    // The count is a live region: a screen reader hears it as the results change.
    let message = tr("no_match");
    const n = digits(count);
    if (count > MAX_HITS) message = tr("matches_capped", { n, max: digits(MAX_HITS) });
    else if (count === 1) message = tr("one_match");
    else if (count) message = tr("matches", { n });
    searchCount.textContent = message;
  }

  let searchTimer = 0;
  searchInput.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(runSearch, 150);
  });
  document.getElementById("search-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    runSearch();
  });
  // Playing or not, a hit takes the transcript to it.
  hitsEl.addEventListener("click", (ev) => {
    const hit = ev.target.closest("[data-s]");
    if (!hit) return;
    seek(parseFloat(hit.dataset.s), false);
    const row = rowElOf(hit.navarSeg);
    if (row) {
      reveal(row, true);
      setRoving(firstItem(row), false);
    }
  });

  // --- start ------------------------------------------------------------------------------------

  fillSelect(primarySelect, primaryCandidates(), false);
  fillSelect(secondarySelect, secondaryCandidates(), true);
  primarySelect.value = initialChoice(primaryCandidates(), "fa");
  secondarySelect.value = initialChoice(secondaryCandidates(), "en", true);
  // The menus' choice goes into the address (?fa=&en=), so a copied link shows the same tracks.
  function chooseTracks() {
    const params = new URLSearchParams(location.search);
    params.set("fa", primarySelect.value);
    params.set("en", secondarySelect.value);
    history.replaceState(history.state, "", `${location.pathname}?${params}${location.hash}`);
    showTracks();
  }
  primarySelect.addEventListener("change", chooseTracks);
  secondarySelect.addEventListener("change", chooseTracks);
  // The editor (editor.js, navar serve --edit only) saved a version: read the tracks again and
  // show the saved one in its column.
  state.reload = (tracks, shown) => {
    rec.tracks = tracks;
    trackCache.clear();
    const [p, s] = [primarySelect.value, secondarySelect.value];
    fillSelect(primarySelect, primaryCandidates());
    fillSelect(secondarySelect, secondaryCandidates(), true);
    const inPrimary = primaryCandidates().some((t) => t.id === shown);
    primarySelect.value = inPrimary ? shown : p;
    secondarySelect.value = inPrimary ? s : shown;
    chooseTracks();
  };
  showTracks();
})();
