// a2perf web navigation: builds a site from the Python site model and applies actions.
// Every Python call is one synchronous function returning the observation, so a step is one
// WebDriver round trip. The rules mirror a2perf/envs/web/site.py (SiteState); keep them in sync.
"use strict";

(function () {
  const KIND = { none: 0, text: 1, select: 2, checkbox: 3, radio: 4, next: 5, submit: 6, end: 7 };
  const S = { pages: [], els: [], rows: [], visited: [], inst: [], cur: 0, focused: -1, done: false, raw: 0 };

  function build(spec) {
    const area = document.getElementById("area");
    area.textContent = "";
    S.pages = []; S.els = []; S.rows = []; S.visited = [];
    spec.pages.forEach(function (rows, p) {
      const els = [];
      rows.forEach(function (r) {
        // r = [id, tag, classes, text, placeholder, kind, options, optionValue, group, instance, parent, inputType]
        const el = document.createElement(r[1]);
        el.id = r[0];
        if (r[2]) el.className = r[2];
        if (r[11]) el.type = r[11];
        if (r[4]) el.placeholder = r[4];
        if (r[3]) el.textContent = r[3];
        r[6].forEach(function (o) {
          const opt = document.createElement("option");
          opt.value = o; opt.textContent = o; el.appendChild(opt);
        });
        if (r[6].length) el.selectedIndex = 0;
        (r[10] < 0 ? area : els[r[10]]).appendChild(el);
        els.push(el);
      });
      els[0].style.display = p === 0 ? "" : "none";
      S.pages.push(els[0]); S.els.push(els); S.rows.push(rows);
      S.visited.push(new Array(els.length).fill(false));
    });
    S.inst = spec.instances; // [kind, gold, page, [element indices]]
    S.cur = 0; S.focused = -1; S.done = false; S.raw = 0;
  }

  function valueOf(p, i) {
    const k = S.rows[p][i][5];
    const el = S.els[p][i];
    if (k === KIND.checkbox || k === KIND.radio) return el.checked ? "true" : "false";
    if (k === KIND.text || k === KIND.select) return el.value;
    return "";
  }

  function correct(ins) {
    const p = ins[2];
    if (ins[0] === KIND.radio) {
      return ins[3].some(function (j) { return S.els[p][j].checked && S.rows[p][j][7] === ins[1]; });
    }
    return valueOf(p, ins[3][0]) === ins[1];
  }

  function correctVisitedCount() {
    let n = 0;
    S.inst.forEach(function (ins) {
      if (ins[3].some(function (j) { return S.visited[ins[2]][j]; }) && correct(ins)) n += 1;
    });
    return n;
  }

  function apply(i, value) {
    const p = S.cur;
    const row = S.rows[p][i];
    const el = S.els[p][i];
    let changed = !S.visited[p][i];
    if (changed) { S.visited[p][i] = true; el.classList.add("visited"); }
    S.focused = i;
    const k = row[5];
    if (k === KIND.text) {
      const v = value === null ? "" : value;
      if (el.value !== v) { el.value = v; changed = true; }
    } else if (k === KIND.select) {
      if (value !== null && row[6].indexOf(value) >= 0 && el.value !== value) { el.value = value; changed = true; }
    } else if (k === KIND.checkbox) {
      let v = el.checked;
      if (value === null) v = !v;
      else if (value === "true") v = true;
      else if (value === "false") v = false;
      if (v !== el.checked) { el.checked = v; changed = true; }
    } else if (k === KIND.radio) {
      const group = S.inst[row[8]][3];
      let target = -1;
      if (value === null) target = i;
      else group.forEach(function (j) { if (target < 0 && S.rows[p][j][7] === value) target = j; });
      if (target >= 0) {
        group.forEach(function (j) {
          const on = j === target;
          if (S.els[p][j].checked !== on) { S.els[p][j].checked = on; changed = true; }
        });
      }
    } else if (k === KIND.next) {
      S.pages[p].style.display = "none";
      S.cur = p + 1;
      S.pages[S.cur].style.display = "";
      S.focused = -1;
      changed = true;
    } else if (k === KIND.submit) {
      S.done = true;
      S.raw = S.inst.every(correct) ? 1 : -1;
    } else if (k === KIND.end) {
      S.done = true;
      S.raw = -1;
    }
    return changed;
  }

  // Observation of the current page. Static attributes (ids, tags, texts, placeholders) are read
  // from the DOM only when `full` is set (reset and page changes).
  function observe(changed, full) {
    const p = S.cur;
    const els = S.els[p];
    const n = els.length;
    const base = S.pages[p].getBoundingClientRect();
    const values = new Array(n), classes = new Array(n), rects = new Array(4 * n);
    for (let i = 0; i < n; i++) {
      const el = els[i];
      values[i] = valueOf(p, i);
      classes[i] = el.className;
      const r = el.getBoundingClientRect();
      rects[4 * i] = Math.round(r.left - base.left);
      rects[4 * i + 1] = Math.round(r.top - base.top);
      rects[4 * i + 2] = Math.round(r.width);
      rects[4 * i + 3] = Math.round(r.height);
    }
    const out = {
      page: p, values: values, classes: classes, rects: rects,
      size: [Math.max(1, Math.round(base.width)), Math.max(1, Math.round(base.height))],
      focused: S.focused, done: S.done, raw: S.raw, correct: correctVisitedCount(), changed: changed,
    };
    if (full) {
      out.ids = new Array(n); out.tags = new Array(n); out.texts = new Array(n); out.placeholders = new Array(n);
      for (let i = 0; i < n; i++) {
        const el = els[i];
        const tag = el.tagName.toLowerCase();
        out.ids[i] = el.id;
        out.tags[i] = tag === "input" ? "input_" + el.type : tag;
        out.texts[i] = el.children.length ? "" : el.textContent;
        out.placeholders[i] = el.getAttribute("placeholder") || "";
      }
    }
    return out;
  }

  // Results are JSON strings: cheaper for chromedriver and selenium than nested objects.
  window.A2W = {
    reset: function (specJson) { build(JSON.parse(specJson)); return JSON.stringify(observe(true, true)); },
    step: function (i, value) {
      if (S.done) throw new Error("episode already ended");
      const p = S.cur;
      if (!(i >= 0 && i < S.els[p].length)) throw new Error("element index out of range: " + i);
      const changed = apply(i, value);
      return JSON.stringify(observe(changed, S.cur !== p));
    },
    observe: function () { return JSON.stringify(observe(false, true)); },
    // The site is laid out but not painted between screenshots (saves raster work per step).
    setPainted: function (on) { document.getElementById("wrap").style.visibility = on ? "visible" : "hidden"; return on; },
    ready: true,
  };
})();
